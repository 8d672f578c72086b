//! `ecsim report` in a real browser (SPEC §13.3): the page of a run is rendered by headless
//! Chromium, which this test installs from Debian's packages when it is missing (as root, with
//! `apt-get`), and stops when it is done. Checked: the screenshot is not blank, every chart the
//! run calls for is in the rendered page, and a scenario string such as `<script>` appears only
//! escaped (no script element anywhere).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Chromium binary, installed when missing.
fn chromium() -> PathBuf {
    let find = || {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {name}"))
                .output()
                .ok()?;
            let path = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (!path.is_empty()).then(|| PathBuf::from(path))
        })
    };
    if let Some(p) = find() {
        return p;
    }
    let apt = |args: &[&str]| {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("Chromium is missing and apt-get cannot run ({e}); install the Debian package chromium"));
        assert!(status.success(), "apt-get {args:?} failed: install the Debian package chromium (this test needs root to do it itself)");
    };
    apt(&["update", "-qq"]);
    apt(&["install", "-y", "-qq", "chromium"]);
    find().expect("chromium installed")
}

/// Runs Chromium headless with `args`, killed if it takes more than two minutes.
fn headless(chromium: &Path, profile: &Path, args: &[String]) -> Vec<u8> {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader")
}

#[test]
fn the_report_renders_in_a_browser_with_every_chart_and_nothing_unescaped() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    // A bundled scenario with managed scaling, plus a Snapshot whose label is markup.
    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("scenarios/scale-out-from-zero.json")).unwrap(),
    )
    .unwrap();
    let label = "<script>alert(1)</script>";
    v["actions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({ "at": "30m",
        "action": "Snapshot", "input": { "label": label } }));
    let loaded = ecsim_scenario::load(&v.to_string()).expect("valid");
    let run = tmp.path().join("run");
    ecsim_cli::run::run_to_dir(
        Path::new("scale-out.json"),
        loaded,
        &run,
        ecsim_cli::run::StreamOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}", e.0));
    let page = ecsim_cli::report::report(&run, None).unwrap_or_else(|e| panic!("{}", e.0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script"), "no script element in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let chromium = chromium();
    let profile = tmp.path().join("profile");
    let url = format!("file://{}", page.display());
    let dom = String::from_utf8(headless(
        &chromium,
        &profile,
        &["--dump-dom".into(), url.clone()],
    ))
    .expect("UTF-8 DOM");
    for id in [
        "cpu-0",
        "memory-0",
        "instances",
        "service-0",
        "reservation",
        "cost",
        "packing-0",
        "packing-end",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "chart {id} is in the rendered page"
        );
    }
    assert!(
        !dom.contains("<script"),
        "the browser found no script element"
    );
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the label, escaped"
    );

    let shot = tmp.path().join("shot.png");
    headless(
        &chromium,
        &profile,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1000,2400".into(),
            url,
        ],
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).expect("a screenshot"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let pixels = bytes.len() / channels;
    let mut colors = std::collections::BTreeSet::new();
    let mut inked = 0usize;
    for p in bytes.chunks(channels) {
        colors.insert(p[..3.min(channels)].to_vec());
        if p[..3.min(channels)].iter().any(|&c| c < 200) {
            inked += 1;
        }
    }
    assert!(
        colors.len() >= 6,
        "the screenshot has {} colours: blank",
        colors.len()
    );
    assert!(
        inked * 100 > pixels,
        "only {inked} of {pixels} pixels are drawn: blank"
    );
}

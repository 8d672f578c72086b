//! JSON syntax errors name the usual causes.

fn message(src: &str) -> String {
    ecsim_scenario::load(src).expect_err("invalid JSON")[0]
        .message
        .clone()
}

#[test]
fn comments_and_stray_commas_get_a_hint() {
    let comment =
        message("{\"schemaVersion\": 1, \"name\": \"x\",\n  // a note\n  \"actions\": []}\n");
    assert!(comment.contains("JSON has no comments"), "{comment}");
    let commas = message("{\"schemaVersion\": 1,, \"name\": \"x\", \"actions\": []}");
    assert!(commas.contains("doubled or trailing commas"), "{commas}");
    let other = message("{\"schemaVersion\": 1 \"name\": \"x\"}");
    assert!(
        !other.contains("comments") && !other.contains("commas"),
        "{other}"
    );
}

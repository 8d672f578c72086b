//! ECS ARNs and references, parsed in one place: `arn:PARTITION:ecs:REGION:ACCOUNT:TYPE/REST`, and
//! a reference to a resource of one type given either as its bare name (or id) or as its ARN. The
//! loader checks a reference's region and account against the scenario's; the world resolves what
//! the rest names.

/// An ARN's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// The resource type (`cluster`, `task-definition`, `service`, `task-set`, `task`,
    /// `container-instance`).
    pub resource_type: &'a str,
    /// What follows `TYPE/`.
    pub rest: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses an ARN; None for text that does not start with `arn:` or has fewer than six parts
    /// or no `TYPE/`.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let body = text.strip_prefix("arn:")?;
        let mut parts = body.splitn(5, ':');
        let partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        let (resource_type, rest) = resource.split_once('/')?;
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource_type,
            rest,
        })
    }
}

/// A reference to a resource of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref<'a> {
    /// A bare name or id.
    Name(&'a str),
    /// An ECS ARN of the expected type; `arn.rest` is what names the resource.
    Arn(Arn<'a>),
}

/// Why a text is not a reference of the expected type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefError {
    /// It starts with `arn:` but is not an ECS ARN of that type.
    NotAnArnOf,
}

impl<'a> Ref<'a> {
    /// Reads `text` as a reference to a resource of `resource_type`: an ARN of that type (its rest
    /// names it), or, for any text that is not an ARN, the bare name.
    pub fn parse(text: &'a str, resource_type: &str) -> Result<Ref<'a>, RefError> {
        if !text.starts_with("arn:") {
            return Ok(Ref::Name(text));
        }
        match Arn::parse(text) {
            Some(a)
                if a.partition.starts_with("aws")
                    && a.service == "ecs"
                    && a.resource_type == resource_type =>
            {
                Ok(Ref::Arn(a))
            }
            _ => Err(RefError::NotAnArnOf),
        }
    }

    /// What names the resource: the bare name, or the ARN's rest.
    pub fn rest(&self) -> &'a str {
        match self {
            Ref::Name(n) => n,
            Ref::Arn(a) => a.rest,
        }
    }

    /// The last `/`-separated part of what names the resource (`service/CLUSTER/NAME` and
    /// `service/NAME` both name NAME).
    pub fn last(&self) -> &'a str {
        let r = self.rest();
        r.rsplit('/').next().unwrap_or(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_names() {
        let a = Arn::parse("arn:aws:ecs:us-east-1:123456789012:service/prod/web").unwrap();
        assert_eq!(
            (a.region, a.account, a.resource_type, a.rest),
            ("us-east-1", "123456789012", "service", "prod/web")
        );
        assert_eq!(Ref::parse("web", "service"), Ok(Ref::Name("web")));
        let r = Ref::parse(
            "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
            "service",
        )
        .unwrap();
        assert_eq!(r.last(), "web");
        assert_eq!(
            Ref::parse("arn:aws:ecs:us-east-1:123456789012:cluster/prod", "service"),
            Err(RefError::NotAnArnOf)
        );
        assert_eq!(
            Ref::parse(
                "arn:aws:ecs:us-east-1:1:task-definition/web:3",
                "task-definition"
            )
            .unwrap()
            .rest(),
            "web:3"
        );
        assert!(Arn::parse("arn:aws:ecs:us-east-1").is_none());
    }
}

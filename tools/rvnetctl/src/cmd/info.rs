// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl info`: the family as nlctrl sees it and what the module reports about itself.

use serde::Serialize;

use crate::{
    cmd::Opts,
    error::{Error, Result},
    netlink::{Attrs, Family, McastGroup, Rvnet},
    output::{self, Table},
    uapi::*,
};

/// Everything `info` shows; attributes the kernel did not send are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Info {
    /// Family name.
    pub family: String,
    /// Family id.
    pub family_id: u16,
    /// Family version, from nlctrl.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_version: Option<u32>,
    /// Module version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Feature names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// Number of rveth pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs: Option<u32>,
    /// Number of rtun devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuns: Option<u32>,
    /// Multicast groups, from nlctrl.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mcast_groups: Vec<McastGroup>,
}

impl Info {
    /// Combines nlctrl's view of the family with the `GET_INFO` reply.
    pub fn decode(family: &Family, reply: &Attrs) -> Result<Self> {
        Ok(Self {
            family: family.name.clone(),
            family_id: family.id,
            family_version: family.version,
            version: reply.string(RVNET_A_INFO_VERSION),
            features: reply.u32(RVNET_A_INFO_FEATURES)?.map(feature_names),
            pairs: reply.u32(RVNET_A_INFO_PAIRS)?,
            tuns: reply.u32(RVNET_A_INFO_TUNS)?,
            mcast_groups: family.mcast_groups.clone(),
        })
    }
}

/// Names the bits of `RVNET_A_INFO_FEATURES`; bits this tool does not know show as `bitN`.
pub fn feature_names(mask: u32) -> Vec<String> {
    (0..u32::BITS)
        .map(|bit| 1 << bit)
        .filter(|flag| mask & flag != 0)
        .map(
            |flag| match RVNET_FEATURE.iter().find(|(f, _)| *f == flag) {
                Some((_, name)) => (*name).to_owned(),
                None => format!("bit{}", flag.trailing_zeros()),
            },
        )
        .collect()
}

impl Table for Info {
    fn rows(&self) -> Vec<(&'static str, String)> {
        let mut family = format!("{} (id {}", self.family, self.family_id);
        if let Some(version) = self.family_version {
            family += &format!(", version {version}");
        }
        family.push(')');

        let mut rows = vec![("family", family)];
        if let Some(version) = &self.version {
            rows.push(("module", version.clone()));
        }
        if let Some(features) = &self.features {
            let features = match features.is_empty() {
                true => "none".to_owned(),
                false => features.join(" "),
            };
            rows.push(("features", features));
        }
        if let Some(pairs) = self.pairs {
            rows.push(("pairs", pairs.to_string()));
        }
        if let Some(tuns) = self.tuns {
            rows.push(("tuns", tuns.to_string()));
        }
        if !self.mcast_groups.is_empty() {
            let groups: Vec<_> = self
                .mcast_groups
                .iter()
                .map(|g| format!("{} (id {})", g.name, g.id))
                .collect();
            rows.push(("mcast", groups.join(", ")));
        }
        rows
    }
}

/// Asks the module for its info.
pub fn fetch(rvnet: &mut Rvnet) -> Result<Info> {
    let replies = rvnet.request(RVNET_CMD_GET_INFO, Vec::new())?;
    let reply = replies
        .first()
        .ok_or_else(|| Error::Malformed("no reply to get-info".into()))?;
    Info::decode(rvnet.family(), reply)
}

/// `rvnetctl info`.
pub fn run(opts: Opts) -> Result<()> {
    let info = fetch(&mut Rvnet::connect()?)?;
    output::print(&info, opts.format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        netlink::raw_attr,
        output::{render, Format},
    };

    fn family() -> Family {
        Family {
            name: "rvnet".into(),
            id: 34,
            version: Some(1),
            mcast_groups: vec![McastGroup {
                name: "notify".into(),
                id: 9,
            }],
        }
    }

    fn info() -> Info {
        Info {
            family: "rvnet".into(),
            family_id: 34,
            family_version: Some(1),
            version: Some("0.1.0".into()),
            features: Some(feature_names(RVNET_FEATURE_RVETH | RVNET_FEATURE_RTUN)),
            pairs: Some(0),
            tuns: Some(0),
            mcast_groups: family().mcast_groups,
        }
    }

    /// A `GET_INFO` reply as the kernel would put it on the wire.
    fn reply(attrs: &[(u16, Vec<u8>)]) -> Attrs {
        let buf: Vec<u8> = attrs
            .iter()
            .flat_map(|(ty, payload)| raw_attr(*ty, payload))
            .collect();
        Attrs::parse(&buf).unwrap()
    }

    #[test]
    fn feature_bits_decode_to_names() {
        assert_eq!(feature_names(0), Vec::<String>::new());
        assert_eq!(feature_names(RVNET_FEATURE_RVETH), ["rveth"]);
        assert_eq!(feature_names(RVNET_FEATURE_RTUN), ["rtun"]);
        assert_eq!(feature_names(0b11), ["rveth", "rtun"]);
    }

    #[test]
    fn unknown_feature_bits_are_shown_by_number() {
        assert_eq!(
            feature_names(1 | 1 << 5 | 1 << 31),
            ["rveth", "bit5", "bit31"]
        );
    }

    #[test]
    fn decode_full_reply() {
        let reply = reply(&[
            (RVNET_A_INFO_VERSION, b"0.1.0\0".to_vec()),
            (RVNET_A_INFO_FEATURES, 3u32.to_ne_bytes().to_vec()),
            (RVNET_A_INFO_PAIRS, 0u32.to_ne_bytes().to_vec()),
            (RVNET_A_INFO_TUNS, 0u32.to_ne_bytes().to_vec()),
        ]);
        assert_eq!(Info::decode(&family(), &reply).unwrap(), info());
    }

    #[test]
    fn decode_tolerates_missing_attributes() {
        let reply = reply(&[(RVNET_A_INFO_VERSION, b"0.1.0\0".to_vec())]);
        let info = Info::decode(&family(), &reply).unwrap();
        assert_eq!(info.version.as_deref(), Some("0.1.0"));
        assert_eq!((info.features, info.pairs, info.tuns), (None, None, None));
    }

    #[test]
    fn decode_refuses_short_counter() {
        let reply = reply(&[(RVNET_A_INFO_PAIRS, vec![0, 0])]);
        assert!(matches!(
            Info::decode(&family(), &reply),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn json_shape() {
        assert_eq!(
            render(&info(), Format::Json).unwrap(),
            concat!(
                r#"{"family":"rvnet","family_id":34,"family_version":1,"version":"0.1.0","#,
                r#""features":["rveth","rtun"],"pairs":0,"tuns":0,"#,
                r#""mcast_groups":[{"name":"notify","id":9}]}"#,
                "\n"
            )
        );
    }

    #[test]
    fn json_leaves_out_what_did_not_come() {
        let info = Info {
            family_version: None,
            version: None,
            features: None,
            pairs: None,
            tuns: None,
            mcast_groups: Vec::new(),
            ..info()
        };
        assert_eq!(
            render(&info, Format::Json).unwrap(),
            "{\"family\":\"rvnet\",\"family_id\":34}\n"
        );
    }

    #[test]
    fn table_shape() {
        assert_eq!(
            render(&info(), Format::Table).unwrap(),
            "family   rvnet (id 34, version 1)\n\
             module   0.1.0\n\
             features rveth rtun\n\
             pairs    0\n\
             tuns     0\n\
             mcast    notify (id 9)\n"
        );
    }

    #[test]
    fn table_shows_no_features_as_none() {
        let info = Info {
            features: Some(Vec::new()),
            ..info()
        };
        assert!(render(&info, Format::Table)
            .unwrap()
            .contains("features none\n"));
    }
}

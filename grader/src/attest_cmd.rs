//! `learn attest <uid> <evidence>`: records what cannot be checked on this machine (capstones,
//! merged pull requests, a production deployment). Shown as attested, never as verified.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::curriculum::Curriculum;
use crate::progress::{self, Attestation, Store};

pub fn run(curriculum: &Curriculum, store: &Store, uid: Option<String>, evidence: Option<String>, note: Option<String>, list: bool) -> Result<ExitCode> {
    let attestable = curriculum.levels.attestable();
    let (uid, evidence) = match (uid, evidence) {
        (Some(uid), Some(evidence)) if !list => (uid, evidence),
        (None, None) if list => {
            let progress = store.load(curriculum)?;
            println!("What can be attested (cargo learn attest <uid> <evidence-url>):\n");
            for (uid, text) in &attestable {
                let n = progress.attestations.get(uid).map_or(0, Vec::len);
                let have = if n > 0 { format!("  [{n} recorded]") } else { String::new() };
                println!("  {uid:<32} {text}{have}");
            }
            return Ok(ExitCode::SUCCESS);
        }
        _ => bail!("usage: learn attest <uid> <evidence-url> [--note TEXT], or learn attest --list"),
    };
    if !attestable.iter().any(|(u, _)| *u == uid) {
        let uids: Vec<&str> = attestable.iter().map(|(u, _)| u.as_str()).collect();
        bail!("nothing called {uid:?} can be attested; one of: {}", uids.join(", "));
    }
    if !(evidence.starts_with("https://") || evidence.starts_with("http://")) {
        bail!("the evidence must be a link (https://…) to the pull request, repository or deployment, not {evidence:?}");
    }
    let count = store.update(curriculum, |p| {
        let list = p.attestations.entry(uid.clone()).or_default();
        if !list.iter().any(|a| a.evidence == evidence) {
            list.push(Attestation { at: progress::now(), evidence: evidence.clone(), note });
        }
        list.len()
    })?;
    println!("Recorded {uid} with evidence {evidence} ({count} in all). `cargo learn status` shows it as attested, not verified.");
    Ok(ExitCode::SUCCESS)
}

//! A day's plan: the selection a run made, kept in the state so that `feedmux digest` reads
//! only the items it shows.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::arrange::Arranged;
use crate::config::Config;
use crate::model::Headed as _;

use super::*;

/// A day's digest as a run chose it, kept in the state so that `feedmux digest` reads
/// only the items it shows: the selection (its story indices point into `stories`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DayPlan {
    pub selection: Selection,
    pub stories: Vec<PlannedStory>,
}

/// A story a [`DayPlan`] shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlannedStory {
    /// The output id of the story's entry.
    pub id: String,
    /// Its reports, the one standing for it first, then the others oldest first: each
    /// its source's index in the config and its item's id there.
    pub reports: Vec<(usize, String)>,
}

impl DayPlan {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a plan serializes")
    }

    /// Reads what [`DayPlan::encode`] wrote; `None` for anything else (a plan of an older
    /// shape among them: the digest is then built afresh).
    pub fn decode(stored: &[u8]) -> Option<DayPlan> {
        serde_json::from_slice(stored).ok()
    }
}

/// The plan of each day of `chosen` (see [`selections`]); `None` when a shown report's
/// source is not among `cfg`'s sources (by name).
pub fn plans(
    cfg: &Config,
    arranged: &Arranged,
    chosen: &[(NaiveDate, Selection)],
) -> Option<Vec<(NaiveDate, DayPlan)>> {
    // Source names are unique in a config.
    let sources: HashMap<&str, usize> = cfg
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let report = |m: usize| -> Option<(usize, String)> {
        let e = &arranged.entries[m];
        let id = arranged.own_ids.get(&m).map_or(e.id(), String::as_str);
        Some((*sources.get(e.source().name.as_str())?, id.to_owned()))
    };
    let mut out = Vec::with_capacity(chosen.len());
    for (day, selection) in chosen {
        let mut selection = selection.clone();
        let mut stories = Vec::new();
        for picked in &mut selection.sections {
            for k in &mut picked.stories {
                let reports = arranged
                    .groups
                    .get(*k)
                    .iter()
                    .map(|&m| report(m as usize))
                    .collect::<Option<_>>()?;
                stories.push(PlannedStory {
                    id: arranged.entries[arranged.stories[*k]].id().to_owned(),
                    reports,
                });
                *k = stories.len() - 1;
            }
        }
        out.push((*day, DayPlan { selection, stories }));
    }
    Some(out)
}

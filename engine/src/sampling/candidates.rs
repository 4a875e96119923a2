//! The list of candidate tokens every sampler works on: llama.cpp's `llama_token_data_array`.
//!
//! A chain starts with one entry per vocabulary token (id, raw logit, `p` not yet computed). Each
//! sampler then edits that list in place: it may change logits (penalties, temperature), drop
//! entries (top-k, top-p, ...), reorder them, recompute `p`, or pick one (`selected`).

use std::cmp::Ordering;

/// One candidate: llama.cpp's `llama_token_data`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenData {
    /// The token id (its index in the model's logit vector).
    pub id: u32,
    /// Its (possibly modified) logit, an unnormalized log-probability.
    pub logit: f32,
    /// Its probability, valid only after a sampler computed it with [`Candidates::softmax`].
    pub p: f32,
}

/// The candidates of one sampling step.
#[derive(Clone, Debug, Default)]
pub struct Candidates {
    /// The surviving candidates. Samplers truncate and reorder this vector.
    pub data: Vec<TokenData>,
    /// True when `data` is known to be in descending logit order, so samplers that need the
    /// largest logit, or a sorted list, can skip the work (llama.cpp's `sorted` flag).
    pub sorted: bool,
    /// The index in `data` of the token a selecting sampler (dist, greedy, mirostat) picked.
    pub selected: Option<usize>,
}

/// Descending by logit; equal logits in ascending id order so that every sort, full or
/// partial, stable or not, gives the same list on every platform.
fn by_logit_desc(a: &TokenData, b: &TokenData) -> Ordering {
    b.logit.total_cmp(&a.logit).then(a.id.cmp(&b.id))
}

impl Candidates {
    /// One candidate per token, in id order, as `llama_sampler_sample` builds it.
    pub fn from_logits(logits: &[f32]) -> Self {
        let mut cur = Self::default();
        cur.fill(logits);
        cur
    }

    /// Refill from a new logit vector, reusing the allocation (a chain samples every step).
    pub fn fill(&mut self, logits: &[f32]) {
        self.data.clear();
        self.data
            .extend(logits.iter().enumerate().map(|(id, &logit)| TokenData { id: id as u32, logit, p: 0.0 }));
        self.sorted = false;
        self.selected = None;
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The candidates' ids, in list order.
    pub fn ids(&self) -> Vec<u32> {
        self.data.iter().map(|t| t.id).collect()
    }

    /// The id of the selected token, once a selecting sampler ran.
    pub fn selected_id(&self) -> Option<u32> {
        self.selected.map(|i| self.data[i].id)
    }

    /// The largest logit (the first one when the list is sorted).
    pub fn max_logit(&self) -> f32 {
        if self.sorted {
            return self.data.first().map_or(f32::NEG_INFINITY, |t| t.logit);
        }
        self.data.iter().fold(f32::NEG_INFINITY, |m, t| m.max(t.logit))
    }

    /// Sort the whole list by descending logit.
    pub fn sort_by_logit(&mut self) {
        if !self.sorted {
            self.data.sort_unstable_by(by_logit_desc);
            self.sorted = true;
        }
    }

    /// Keep only the `k` largest logits, sorted (llama.cpp's `partial_sort_inplace`).
    ///
    /// Sorting a 150k-token vocabulary to keep 40 would waste most of the work: selecting the
    /// k-th largest first is O(n), and only the k survivors get sorted.
    pub fn keep_top(&mut self, k: usize) {
        if k < self.data.len() {
            if !self.sorted && k > 0 {
                self.data.select_nth_unstable_by(k - 1, by_logit_desc);
            }
            self.data.truncate(k);
        }
        self.sort_by_logit();
    }

    /// Compute `p` = softmax(logit) over the candidates, without reordering them.
    ///
    /// `exp(logit)` overflows f32 as soon as a logit passes ~88.7, so we compute
    /// `exp(logit - max) / sum(exp(logit_j - max))` instead: the same value (the factor
    /// `exp(-max)` cancels), with every exponent <= 0, hence every term in (0, 1].
    pub fn softmax(&mut self) {
        if self.data.is_empty() {
            return;
        }
        let max = self.max_logit();
        let mut sum = 0.0f32;
        for t in &mut self.data {
            t.p = (t.logit - max).exp();
            sum += t.p;
        }
        for t in &mut self.data {
            t.p /= sum;
        }
    }

    /// Sort by descending logit, then compute `p` (llama.cpp's `softmax_impl(cur_p, true)`).
    pub fn sorted_softmax(&mut self) {
        self.sort_by_logit();
        self.softmax();
    }

    /// Keep the first `n` candidates (a prefix of a sorted list stays sorted).
    pub fn truncate(&mut self, n: usize) {
        self.data.truncate(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_of_huge_logits_does_not_overflow() {
        // exp(1000) is +inf in f32 (and f64): without subtracting the max we would get inf/inf = NaN.
        // With it: exp(0) = 1, exp(-1) = 0.36787944; sum = 1.36787944;
        // p = 1 / 1.36787944 = 0.73105858, 0.36787944 / 1.36787944 = 0.26894142.
        let mut cur = Candidates::from_logits(&[1000.0, 999.0]);
        cur.softmax();
        assert!((cur.data[0].p - 0.731_058_6).abs() < 1e-6, "{:?}", cur.data);
        assert!((cur.data[1].p - 0.268_941_4).abs() < 1e-6, "{:?}", cur.data);
    }

    #[test]
    fn softmax_keeps_order_and_sums_to_one() {
        // logits 0, ln 3, ln 2 → weights 1, 3, 2 → p = 1/6, 3/6, 2/6 = 0.1666667, 0.5, 0.3333333.
        let mut cur = Candidates::from_logits(&[0.0, 3.0f32.ln(), 2.0f32.ln()]);
        cur.softmax();
        assert_eq!(cur.ids(), vec![0, 1, 2]);
        let p: Vec<f32> = cur.data.iter().map(|t| t.p).collect();
        for (got, want) in p.iter().zip([0.166_666_7, 0.5, 0.333_333_3]) {
            assert!((got - want).abs() < 1e-6, "{p:?}");
        }
    }

    #[test]
    fn sort_is_descending_with_ties_by_id() {
        let mut cur = Candidates::from_logits(&[1.0, 3.0, 1.0, 2.0]);
        cur.sort_by_logit();
        assert_eq!(cur.ids(), vec![1, 3, 0, 2]);
        assert!(cur.sorted);
    }

    #[test]
    fn keep_top_keeps_the_largest_sorted() {
        let mut cur = Candidates::from_logits(&[0.5, -1.0, 4.0, 2.0, 3.0, 1.0]);
        cur.keep_top(3);
        assert_eq!(cur.ids(), vec![2, 4, 3]);
        assert!(cur.sorted);
    }
}

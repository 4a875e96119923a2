//! A small persistent thread pool for the forward pass.
//!
//! Generating one token runs about 200 matrix multiplications, a few microseconds each at
//! this model size, so threads cannot be spawned per operation (that alone costs more than
//! the work). Like ggml's CPU backend, the workers stay alive and spin briefly waiting for
//! the next job, then sleep if none comes (so an idle chat does not burn a core).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// A job: called once per thread with that thread's index.
type Job = dyn Fn(usize) + Sync;

struct Shared {
    /// Bumped once per job; workers run a job when they see it change.
    generation: AtomicU64,
    /// The current job. Written only by `run` while no worker is reading it (see `run`).
    job: UnsafeCell<Option<&'static Job>>,
    /// Workers still running the current job.
    pending: AtomicUsize,
    stop: AtomicBool,
    /// For workers that stopped spinning: `run` notifies after publishing a job.
    sleep: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is only written by `run` between jobs (when `pending == 0` and before the
// generation is bumped) and only read by workers after they observe the bump; the Release/
// Acquire pair on `generation` orders the write before the reads.
unsafe impl Sync for Shared {}

pub struct ThreadPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    /// Serialises `run` calls from different threads (the pool runs one job at a time).
    running: Mutex<()>,
}

/// How long an idle worker spins before sleeping (iterations of a spin-loop hint).
const SPIN_LIMIT: u32 = 1 << 16;

impl ThreadPool {
    /// A pool of `n_threads` threads in total: the caller of [`ThreadPool::run`] is thread 0.
    pub fn new(n_threads: usize) -> ThreadPool {
        let n_threads = n_threads.max(1);
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            job: UnsafeCell::new(None),
            pending: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let workers = (1..n_threads)
            .map(|index| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("infer-worker-{index}"))
                    .spawn(move || worker(&shared, index))
                    .expect("spawning a worker thread")
            })
            .collect();
        ThreadPool { shared, workers, running: Mutex::new(()) }
    }

    pub fn n_threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `job(i)` on every thread `i` in `0..n_threads()` and returns when all are done.
    pub fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() {
            return job(0);
        }
        let _one_at_a_time = self.running.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the 'static lifetime is a lie told only to the workers, and only for the
        // duration of this call: we do not return (or unwind, see the guard) before every
        // worker has finished with the job.
        let job_static: &'static Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static Job>(job) };
        unsafe { *self.shared.job.get() = Some(job_static) };
        self.shared.pending.store(self.workers.len(), Ordering::Relaxed);
        self.shared.generation.fetch_add(1, Ordering::Release);
        {
            let _guard = self.shared.sleep.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        struct WaitForWorkers<'a>(&'a Shared);
        impl Drop for WaitForWorkers<'_> {
            fn drop(&mut self) {
                let mut spins = 0u32;
                while self.0.pending.load(Ordering::Acquire) != 0 {
                    // Spin first (the usual wait is microseconds); yield if a worker seems
                    // descheduled, so an oversubscribed machine still makes progress.
                    spins += 1;
                    if spins < SPIN_LIMIT {
                        std::hint::spin_loop();
                    } else {
                        std::thread::yield_now();
                    }
                }
            }
        }
        let _wait = WaitForWorkers(&self.shared);
        job(0);
    }
}

fn worker(shared: &Shared, index: usize) {
    let mut seen = 0u64;
    loop {
        let mut spins = 0u32;
        let generation = loop {
            let g = shared.generation.load(Ordering::Acquire);
            if g != seen || shared.stop.load(Ordering::Relaxed) {
                break g;
            }
            if spins < SPIN_LIMIT {
                spins += 1;
                std::hint::spin_loop();
            } else {
                let guard = shared.sleep.lock().unwrap_or_else(|e| e.into_inner());
                if shared.generation.load(Ordering::Acquire) == seen && !shared.stop.load(Ordering::Relaxed) {
                    drop(shared.wake.wait(guard));
                }
            }
        };
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        seen = generation;
        // SAFETY: see `Shared`; the job stays valid until we decrement `pending`.
        let job = unsafe { (*shared.job.get()).expect("a job is published before the generation bump") };
        // A panicking job must still count as finished, or `run` would wait forever.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(index)));
        shared.pending.fetch_sub(1, Ordering::Release);
        if result.is_err() {
            eprintln!("infer: a worker thread panicked; results of this operation are incomplete");
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        {
            let _guard = self.shared.sleep.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// The `i`-th of `n` nearly equal parts of `0..len` (for splitting rows among threads).
pub fn split_range(len: usize, i: usize, n: usize) -> std::ops::Range<usize> {
    let start = len * i / n;
    let end = len * (i + 1) / n;
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_runs_every_job_once() {
        let pool = ThreadPool::new(3);
        let counts: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
        for _ in 0..1000 {
            pool.run(&|i| {
                counts[i].fetch_add(1, Ordering::Relaxed);
            });
        }
        for c in &counts {
            assert_eq!(c.load(Ordering::Relaxed), 1000);
        }
    }

    #[test]
    fn workers_that_fell_asleep_wake_up() {
        let pool = ThreadPool::new(2);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let hits = AtomicUsize::new(0);
        pool.run(&|_| {
            hits.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(hits.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn split_range_covers_everything_once() {
        for len in [0, 1, 7, 100] {
            for n in 1..5 {
                let covered: usize = (0..n).map(|i| split_range(len, i, n).len()).sum();
                assert_eq!(covered, len);
            }
        }
    }
}

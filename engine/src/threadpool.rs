//! A small persistent thread pool for the forward pass.
//!
//! Generating one token runs about 200 matrix multiplications, a few microseconds each at
//! this model size, so threads cannot be spawned per operation (that alone costs more than
//! the work). Like ggml's CPU backend, the workers stay alive and spin briefly waiting for
//! the next job, then sleep if none comes (so an idle chat does not burn a core).
//!
//! Two ways to hand out work:
//!
//! - [`ThreadPool::run`]: every thread runs the job once, with its index: for work split in
//!   fixed shares. It returns when all have finished, so one thread that the OS set aside
//!   for another process holds everyone up.
//! - [`ThreadPool::for_each`]: many small items, taken from a shared counter by this thread
//!   and by whichever workers start in time. It returns as soon as every item is done, even
//!   if a worker never got to start: on a machine shared with other work, a late worker
//!   costs its share of the speed-up, not a wait of a whole scheduler time slice.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// A job: called once per thread with that thread's index.
type Job = dyn Fn(usize) + Sync;

struct Shared {
    /// Bumped once per job; workers run a job when they see it change. Odd for a
    /// [`ThreadPool::for_each`] job, which workers join through `helpers` (they must not
    /// touch it otherwise: it may already be over), even for a [`ThreadPool::run`] job.
    generation: AtomicU64,
    /// For a `for_each` job: its generation (low 32 bits) in the high half, [`CLOSED`] once
    /// the calling thread has finished it (then no worker may join), and in the low bits the
    /// number of workers inside it. Workers join and leave with atomic updates of the whole
    /// word, so a worker late for one job cannot join the next by mistake.
    helpers: AtomicU64,
    /// The current job. Written only by `run` while no worker is reading it (see `run`).
    job: UnsafeCell<Option<&'static Job>>,
    /// Workers still running the current job.
    pending: AtomicUsize,
    stop: AtomicBool,
    /// For workers that stopped spinning: `run` notifies after publishing a job.
    sleep: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is only written between jobs (when `pending == 0`, or for a `for_each` job
// when no worker is inside it, and before the generation is bumped) and only read by
// workers after they observe the bump (a `run` job) or joined through `helpers` (a
// `for_each` job); the Release/Acquire pairs on `generation` and `helpers` order the write
// before the reads.
unsafe impl Sync for Shared {}

/// In [`Shared::helpers`]: the job is finished, no worker may join it any more.
const CLOSED: u64 = 1 << 31;

/// The `helpers` word of an open `for_each` job of generation `generation`, `inside` workers in it.
fn helpers_word(generation: u64, inside: u64) -> u64 {
    (generation << 32) | inside
}

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
            helpers: AtomicU64::new(0),
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
        self.shared.pending.store(self.workers.len(), Ordering::Relaxed);
        // SAFETY: no job is running (we hold the lock and the last one's waits are over).
        unsafe { self.publish(job, false) };
        struct WaitForWorkers<'a>(&'a Shared);
        impl Drop for WaitForWorkers<'_> {
            fn drop(&mut self) {
                wait_until(|| self.0.pending.load(Ordering::Acquire) == 0);
            }
        }
        let _wait = WaitForWorkers(&self.shared);
        job(0);
    }

    /// Calls `f(i)` once for every `i` in `0..n`, on this thread and on whichever workers
    /// start before the items run out (see the module doc), and returns when all are done.
    /// Which thread runs an item, and in what order items start, is up to chance: `f` must
    /// not care.
    pub fn for_each(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        let next = AtomicUsize::new(0);
        let job = |_thread: usize| {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                f(i);
            }
        };
        if self.workers.is_empty() || n <= 1 {
            return job(0);
        }
        let _one_at_a_time = self.running.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: no job is running (we hold the lock and the last one's waits are over).
        let generation = unsafe { self.publish(&job, true) };
        struct CloseAndWait<'a>(&'a Shared, u64);
        impl Drop for CloseAndWait<'_> {
            fn drop(&mut self) {
                // No worker may join from now on; wait for those inside to leave (they are
                // finishing their last items, or leaving as they found none).
                self.0.helpers.fetch_or(CLOSED, Ordering::Relaxed);
                wait_until(|| self.0.helpers.load(Ordering::Acquire) == (helpers_word(self.1, 0) | CLOSED));
            }
        }
        let _wait = CloseAndWait(&self.shared, generation & 0xFFFF_FFFF);
        job(0);
    }

    /// Makes `job` the current job and wakes the workers; returns its generation.
    ///
    /// # Safety
    /// No worker may be running or able to join the previous job, and the caller must not
    /// return (or unwind) before every worker that runs `job` has finished with it: the
    /// 'static lifetime is a lie told only to the workers, and only for that long.
    unsafe fn publish(&self, job: &(dyn Fn(usize) + Sync), for_each: bool) -> u64 {
        let job_static: &'static Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static Job>(job) };
        unsafe { *self.shared.job.get() = Some(job_static) };
        // The next generation with the parity of this kind of job (see `Shared::generation`).
        let last = self.shared.generation.load(Ordering::Relaxed);
        let generation = last + if (last + 1) % 2 == for_each as u64 { 1 } else { 2 };
        if for_each {
            self.shared.helpers.store(helpers_word(generation & 0xFFFF_FFFF, 0), Ordering::Release);
        }
        self.shared.generation.store(generation, Ordering::Release);
        let _guard = self.shared.sleep.lock().unwrap_or_else(|e| e.into_inner());
        self.shared.wake.notify_all();
        generation
    }
}

/// Spins until `done()` (the usual wait is microseconds), yielding the core once it seems to
/// take a descheduled thread, so that an oversubscribed machine still makes progress.
fn wait_until(done: impl Fn() -> bool) {
    let mut spins = 0u32;
    while !done() {
        spins += 1;
        if spins < SPIN_LIMIT {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
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
        if generation % 2 == 1 {
            join_for_each(shared, index, generation);
            continue;
        }
        // SAFETY: see `Shared`; the job stays valid until we decrement `pending`.
        let job = unsafe { (*shared.job.get()).expect("a job is published before the generation bump") };
        run_job(job, index);
        shared.pending.fetch_sub(1, Ordering::Release);
    }
}

/// Joins the `for_each` job of `generation` if it is still open, runs it, and leaves it.
fn join_for_each(shared: &Shared, index: usize, generation: u64) {
    let mut word = shared.helpers.load(Ordering::Relaxed);
    loop {
        if word >> 32 != generation & 0xFFFF_FFFF || word & CLOSED != 0 {
            return; // over, or closed: the calling thread did without us
        }
        match shared.helpers.compare_exchange_weak(word, word + 1, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => word = now,
        }
    }
    // SAFETY: see `Shared`; the job stays valid until we leave it.
    let job = unsafe { (*shared.job.get()).expect("a job is published before the generation bump") };
    run_job(job, index);
    shared.helpers.fetch_sub(1, Ordering::Release);
}

/// Runs `job(index)`; a panicking job must still count as finished, or its caller would
/// wait forever.
fn run_job(job: &Job, index: usize) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(index)));
    if result.is_err() {
        eprintln!("infer: a worker thread panicked; results of this operation are incomplete");
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

/// Lets the threads of a job write disjoint parts of one slice.
pub struct SharedSlice<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: the methods that hand out access are `unsafe`, and their callers promise that no
// two threads touch the same element.
unsafe impl<T: Send> Sync for SharedSlice<T> {}

impl<T> SharedSlice<T> {
    pub fn new(slice: &mut [T]) -> SharedSlice<T> {
        SharedSlice { ptr: slice.as_mut_ptr(), len: slice.len() }
    }

    /// Writes element `i`.
    ///
    /// # Safety
    /// No other thread accesses element `i` while this runs.
    pub unsafe fn write(&self, i: usize, v: T) {
        assert!(i < self.len);
        unsafe { *self.ptr.add(i) = v }
    }

    /// Elements `range`, to read and write.
    ///
    /// # Safety
    /// No other thread accesses these elements while the returned slice lives.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn range(&self, range: std::ops::Range<usize>) -> &mut [T] {
        assert!(range.start <= range.end && range.end <= self.len);
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(range.start), range.len()) }
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
    fn for_each_runs_every_item_once() {
        let pool = ThreadPool::new(3);
        for n in [0, 1, 2, 7, 1000] {
            let counts: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            for _ in 0..100 {
                pool.for_each(n, &|i| {
                    counts[i].fetch_add(1, Ordering::Relaxed);
                });
            }
            assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 100), "{n} items");
        }
    }

    #[test]
    fn for_each_and_run_interleave() {
        // Workers late for a `for_each` job must neither join the next job by mistake nor
        // miss a `run` job.
        let pool = ThreadPool::new(2);
        let items = AtomicUsize::new(0);
        let runs = AtomicUsize::new(0);
        for k in 0..2000 {
            pool.for_each(k % 5, &|_| {
                items.fetch_add(1, Ordering::Relaxed);
            });
            pool.run(&|_| {
                runs.fetch_add(1, Ordering::Relaxed);
            });
            if k % 500 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(20)); // let the worker sleep
            }
        }
        assert_eq!(items.load(Ordering::Relaxed), (0..2000).map(|k| k % 5).sum::<usize>());
        assert_eq!(runs.load(Ordering::Relaxed), 2 * 2000);
    }

    #[test]
    fn for_each_does_not_wait_for_a_sleeping_worker() {
        // A job whose first item takes long: if the worker is asleep, the caller does
        // everything itself and returns; if the worker joins, it takes a share.
        let pool = ThreadPool::new(2);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let done = AtomicUsize::new(0);
        pool.for_each(64, &|_| {
            done.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(done.load(Ordering::Relaxed), 64);
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

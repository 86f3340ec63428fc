//! How many threads the CPU-bound passes use. Touches nothing else.

/// One per core (two when the number of cores cannot be found).
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

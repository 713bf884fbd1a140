//! The storage promises, against a real DynamoDB Local: every event lands once with all its
//! fields, retries, concurrent deliveries and re-serialised bodies never make a second record, a
//! second body under a taken key is kept as a collision, refused requests write nothing, and the
//! documented access patterns answer. Acks: tests/acks.rs; quarantine and what providers really
//! send: tests/quarantine.rs; an unavailable DynamoDB and the functions' client: tests/client.rs.
//!
//! The tests are grouped by topic in the modules under `storage/`.

// Plain files in tests/tests/storage/, named by path: Cargo makes no test target of them.
#[path = "storage/access_patterns.rs"]
mod access_patterns;
#[path = "storage/duplicates_and_collisions.rs"]
mod duplicates_and_collisions;
#[path = "storage/landing.rs"]
mod landing;

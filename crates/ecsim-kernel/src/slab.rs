//! A slab for objects with dense ids issued in order and released out of order (tasks): lookups by
//! id in O(1), memory in proportion to the objects alive rather than to the ids ever issued.
//!
//! Values live in pages of [`PAGE`] places whose freed places are reused (memory grows a page at a
//! time, never by doubling and copying); ids map to places through chunks of [`CHUNK`] ids, and a
//! chunk whose ids have all been issued and released is dropped (a dead chunk costs one pointer).

/// Ids per chunk of the id map.
pub const CHUNK: usize = 1024;
/// Places per page of values.
pub const PAGE: usize = 1024;
const NONE: u32 = u32::MAX;

struct Chunk {
    places: Box<[u32; CHUNK]>,
    live: u32,
}

/// Objects by dense id (0, 1, 2, … in the order pushed); see the module docs.
pub struct Slab<T> {
    chunks: Vec<Option<Chunk>>,
    /// Pages of places; `places` of them are in use or free.
    values: Vec<Vec<Option<T>>>,
    places: usize,
    free: Vec<u32>,
    next_id: u32,
    live: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            chunks: Vec::new(),
            values: Vec::new(),
            places: 0,
            free: Vec::new(),
            next_id: 0,
            live: 0,
        }
    }
}

impl<T: Clone> Clone for Slab<T> {
    fn clone(&self) -> Self {
        Slab {
            chunks: self
                .chunks
                .iter()
                .map(|c| {
                    c.as_ref().map(|c| Chunk {
                        places: c.places.clone(),
                        live: c.live,
                    })
                })
                .collect(),
            values: self.values.clone(),
            places: self.places,
            free: self.free.clone(),
            next_id: self.next_id,
            live: self.live,
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Slab<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<T> Slab<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id the next `push` returns.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// Ids issued so far (live or released).
    pub fn issued(&self) -> u32 {
        self.next_id
    }

    /// Objects alive.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Stores `value` under the next id and returns it.
    pub fn push(&mut self, value: T) -> u32 {
        let id = self.next_id;
        assert!(id != NONE, "slab ids exhausted");
        self.next_id += 1;
        let place = match self.free.pop() {
            Some(p) => p,
            None => {
                if self.places == self.values.len() * PAGE {
                    self.values.push(Vec::with_capacity(PAGE));
                }
                let page = self.values.last_mut().expect("a page with room");
                page.push(None);
                self.places += 1;
                u32::try_from(self.places - 1).expect("fewer than 2^32 live objects")
            }
        };
        self.values[place as usize / PAGE][place as usize % PAGE] = Some(value);
        let (c, k) = (id as usize / CHUNK, id as usize % CHUNK);
        if c == self.chunks.len() {
            self.chunks.push(Some(Chunk {
                places: Box::new([NONE; CHUNK]),
                live: 0,
            }));
        }
        let chunk = self.chunks[c]
            .as_mut()
            .expect("the newest chunk is never dropped");
        chunk.places[k] = place;
        chunk.live += 1;
        self.live += 1;
        id
    }

    fn place(&self, id: u32) -> Option<usize> {
        let chunk = self.chunks.get(id as usize / CHUNK)?.as_ref()?;
        let p = chunk.places[id as usize % CHUNK];
        (p != NONE).then_some(p as usize)
    }

    pub fn get(&self, id: u32) -> Option<&T> {
        self.place(id)
            .and_then(|p| self.values[p / PAGE][p % PAGE].as_ref())
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        let p = self.place(id)?;
        self.values[p / PAGE][p % PAGE].as_mut()
    }

    pub fn contains(&self, id: u32) -> bool {
        self.place(id).is_some()
    }

    /// Releases `id`; its value is returned. A released id is never issued again.
    pub fn remove(&mut self, id: u32) -> Option<T> {
        let p = self.place(id)?;
        let c = id as usize / CHUNK;
        let chunk = self.chunks[c].as_mut().expect("placed");
        chunk.places[id as usize % CHUNK] = NONE;
        chunk.live -= 1;
        // A chunk all of whose ids were issued and released holds nothing more.
        if chunk.live == 0 && (c + 1) * CHUNK <= self.next_id as usize {
            self.chunks[c] = None;
        }
        self.live -= 1;
        self.free.push(p as u32);
        self.values[p / PAGE][p % PAGE].take()
    }

    /// The live objects in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> + '_ {
        self.chunks
            .iter()
            .enumerate()
            .filter_map(|(c, chunk)| chunk.as_ref().map(|chunk| (c, chunk)))
            .flat_map(move |(c, chunk)| {
                chunk
                    .places
                    .iter()
                    .enumerate()
                    .filter(|&(_, &p)| p != NONE)
                    .filter_map(move |(k, &p)| {
                        let p = p as usize;
                        self.values[p / PAGE][p % PAGE]
                            .as_ref()
                            .map(|v| ((c * CHUNK + k) as u32, v))
                    })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_survive_releases() {
        let mut s = Slab::new();
        let ids: Vec<u32> = (0..3000).map(|v| s.push(v)).collect();
        assert_eq!(ids, (0..3000).collect::<Vec<_>>());
        for id in (0..3000).step_by(2) {
            assert_eq!(s.remove(id), Some(id));
        }
        assert_eq!(s.len(), 1500);
        assert_eq!(s.get(1), Some(&1));
        assert_eq!(s.get(2), None);
        assert_eq!(s.remove(2), None, "released once");
        let odd: Vec<u32> = s.iter().map(|(id, _)| id).collect();
        assert_eq!(odd, (1..3000).step_by(2).collect::<Vec<_>>());
        assert_eq!(s.push(7), 3000, "a released id is never issued again");
        assert_eq!(s.get(3000), Some(&7));
    }

    #[test]
    fn memory_follows_the_live_objects() {
        let mut s = Slab::new();
        for round in 0..100u32 {
            let ids: Vec<u32> = (0..CHUNK as u32)
                .map(|k| s.push(round * 10_000 + k))
                .collect();
            for id in ids {
                s.remove(id);
            }
        }
        assert!(s.is_empty());
        assert!(s.places <= CHUNK, "places are reused");
        assert!(
            s.chunks.iter().filter(|c| c.is_some()).count() <= 1,
            "dead chunks are dropped"
        );
    }
}

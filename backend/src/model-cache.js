// Models by id for replaying stored records, at most `capacity` of them
// (least recently used goes first). Evicting only drops the reference: a
// request still using the model keeps it alive, and the package's
// FinalizationRegistry frees it once nobody does. Never model.free() here.
export class ModelCache {
  #capacity;
  #load;
  #models = new Map(); // id -> Promise<Model | null>, in use order

  /** `load(id)` gives a Model, or null when the database has no such id. */
  constructor(capacity, load) {
    this.#capacity = capacity;
    this.#load = load;
  }

  get size() {
    return this.#models.size;
  }

  get(id) {
    let entry = this.#models.get(id);
    if (entry) {
      this.#models.delete(id);
    } else {
      entry = this.#load(id);
      // A failed load (database down) is not remembered.
      entry.catch(() => this.#models.get(id) === entry && this.#models.delete(id));
    }
    this.#models.set(id, entry);
    this.#evict();
    return entry;
  }

  /** Puts a model that is already loaded (the one just activated). */
  set(id, model) {
    this.#models.delete(id);
    this.#models.set(id, Promise.resolve(model));
    this.#evict();
  }

  #evict() {
    while (this.#models.size > this.#capacity) this.#models.delete(this.#models.keys().next().value);
  }
}

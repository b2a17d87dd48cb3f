;; The Turmeric half of the standard library: higher-order functions written in
;; Turmeric, so that a continuation can be captured through them.
;;
;; The loops walk a tuple of the elements by index (%items, %at, %len) and collect
;; into a private accumulator (%transient, %push!, %seal). A frame holding an
;; accumulator is snapshotted when captured and copied on each resumption, so
;; every run of a multi-shot continuation gets its own.
;;
;; When f is a host builtin (`even?`, `+`, `str`, ...) nothing can be captured inside
;; it, so map, filter and reduce hand the whole loop to Python (%host-map, ...).
(module prelude)

(defn map [f coll]
  (if (%host? f)
    (%host-map f (%items coll))
    (let [xs (%items coll) n (%len xs) acc (%transient)]
      (loop [i 0]
        (if (< i n)
          (do (%push! acc (f (%at xs i))) (recur (inc i)))
          (%seal acc))))))

(defn filter [f coll]
  (if (%host? f)
    (%host-filter f (%items coll))
    (let [xs (%items coll) n (%len xs) acc (%transient)]
      (loop [i 0]
        (if (< i n)
          (let [x (%at xs i)]
            (when (f x) (%push! acc x))
            (recur (inc i)))
          (%seal acc))))))

(defn reduce [f init coll]
  (if (%host? f)
    (%host-reduce f init coll)
    (let [xs (%items coll) n (%len xs)]
      (loop [i 0 acc init]
        (if (< i n)
          (recur (inc i) (f acc (%at xs i)))
          acc)))))

(defn for-each [coll f]
  (let [xs (%items coll) n (%len xs)]
    (loop [i 0]
      (when (< i n)
        (f (%at xs i))
        (recur (inc i))))))

(defn for-each-with-index [coll f]
  (let [xs (%items coll) n (%len xs)]
    (loop [i 0]
      (when (< i n)
        (f i (%at xs i))
        (recur (inc i))))))

(defn map-indexed [f coll]
  (let [xs (%items coll) n (%len xs) acc (%transient)]
    (loop [i 0]
      (if (< i n)
        (do (%push! acc (f i (%at xs i))) (recur (inc i)))
        (%seal acc)))))

(defn mapv [f coll] (vec (map f coll)))

(defn remove [f coll] (filter (fn [x] (not (f x))) coll))

(defn every? [f coll]
  (let [xs (%items coll) n (%len xs)]
    (loop [i 0]
      (cond (>= i n) #t
            (f (%at xs i)) (recur (inc i))
            :else #f))))

(defn any? [f coll]
  (let [xs (%items coll) n (%len xs)]
    (loop [i 0]
      (cond (>= i n) #f
            (f (%at xs i)) #t
            :else (recur (inc i))))))

(defn find-first [f coll]
  (let [xs (%items coll) n (%len xs)]
    (loop [i 0]
      (cond (>= i n) nil
            (f (%at xs i)) (%at xs i)
            :else (recur (inc i))))))

(defn sort-by [keyf coll]
  (map (fn [p] (nth p 1))
       (sort (map (fn [x] [(keyf x) x]) coll))))

(defn swap! [r f & args]
  (ref-set! r (apply f (deref r) args)))

(defn comp [& fs]
  (fn [x] (reduce (fn [acc f] (f acc)) x (reverse fs))))

(defn partial [f & bound]
  (fn [& more] (apply f (concat bound more))))

(defn identity [x] x)

(defn constantly [x] (fn [& _] x))

(defn update [m k f & args]
  (assoc m k (apply f (get m k) args)))

;; The Turmeric half of the standard library: higher-order functions written in
;; Turmeric, so that a continuation can be captured through them.
(module prelude)

(defn map [f coll]
  (loop [s (seq coll) acc '()]
    (if (empty? s)
      (reverse acc)
      (recur (rest s) (cons (f (first s)) acc)))))

(defn filter [f coll]
  (loop [s (seq coll) acc '()]
    (if (empty? s)
      (reverse acc)
      (let [x (first s)]
        (recur (rest s) (if (f x) (cons x acc) acc))))))

(defn reduce [f init coll]
  (loop [s (seq coll) acc init]
    (if (empty? s)
      acc
      (recur (rest s) (f acc (first s))))))

(defn for-each [coll f]
  (loop [s (seq coll)]
    (unless (empty? s)
      (f (first s))
      (recur (rest s)))))

(defn for-each-with-index [coll f]
  (loop [s (seq coll) i 0]
    (unless (empty? s)
      (f i (first s))
      (recur (rest s) (inc i)))))

(defn map-indexed [f coll]
  (loop [s (seq coll) i 0 acc '()]
    (if (empty? s)
      (reverse acc)
      (recur (rest s) (inc i) (cons (f i (first s)) acc)))))

(defn mapv [f coll] (vec (map f coll)))

(defn remove [f coll] (filter (fn [x] (not (f x))) coll))

(defn every? [f coll]
  (loop [s (seq coll)]
    (cond (empty? s) #t
          (f (first s)) (recur (rest s))
          :else #f)))

(defn any? [f coll]
  (loop [s (seq coll)]
    (cond (empty? s) #f
          (f (first s)) #t
          :else (recur (rest s)))))

(defn find-first [f coll]
  (loop [s (seq coll)]
    (cond (empty? s) nil
          (f (first s)) (first s)
          :else (recur (rest s)))))

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

(defn dotimes-fn [n f]
  (loop [i 0]
    (when (< i n)
      (f i)
      (recur (inc i)))))

;; map, reduce and for-each over (range ...) with a function that may capture (not inlined
;; as a comprehension: the prelude's loop in the caller, compiler/fastpath.py SiteHOF) walk
;; the range's ints themselves: the same elements as the library's range in order, its
;; errors for anything else, and a capture inside resumes twice and after a round trip.
(module rangesite)
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (error _) -> :error _ -> (type-of e)))))
(defn id [x] x)
(defn sq [x] (* (id x) x))
(defn m1 [n] (map sq (range n)))
(defn m2 [a b] (map (fn [x] [x (id x)]) (range a b)))
(defn r2 [a b] (reduce (fn [acc x] (conj acc (id x))) [] (range a b)))
(defn r1 [n] (reduce (fn [acc x] (+ acc (id x))) 0 (range n)))
(defn rf [f n] (reduce f 0 (range n)))
(defn e2 [a b] (let [r (ref [])] (for-each (range a b) (fn [x] (ref-set! r (conj (deref r) (id x))))) (deref r)))
(defn slow [a b] (apply range [a b]))
(println (m1 5) (m1 0) (m1 -2) (m2 2 6) (m2 6 2) (m2 -3 1) (m2 0 0))
(println (r2 2 6) (r2 6 2) (r2 -3 1) (r1 100) (r1 0) (rf (fn [a x] (+ a (id x))) 10) (rf + 10))
(println (e2 2 6) (e2 6 2) (e2 -3 1) (= (r2 -5 5) (vec (slow -5 5))) (= (m1 7) (map (fn [x] (* x x)) (slow 0 7))))
(println (= (m2 #t 3) (map (fn [x] [x x]) (slow #t 3))) (r2 #f 2))
(println (kind (fn [] (m1 1.5))) (kind (fn [] (m2 "a" 3))) (kind (fn [] (r2 0 nil))) (kind (fn [] (e2 :a 2))) (kind (fn [] (m1 nil))))
(println (kind (fn [] (slow 1.5 3))) (kind (fn [] (slow "a" 3))) (kind (fn [] (slow 0 nil))))
;; a capture at an element: resumed twice, after a round trip, and twice in one loop
(defn ask [x] (if (= (mod x 4) 3) (cloneable-shift [k] k) x))
(let [k (cloneable-reset (fn [] (map ask (range 1 6))))]
  (println (k :a) (k :b) ((deserialize (serialize k)) :c)))
(let [k (cloneable-reset (fn [] (reduce (fn [acc x] (+ acc (ask x))) 0 (range 2 5))))]
  (println (k 100) (k 200) ((deserialize (serialize k)) 300)))
(let [k1 (cloneable-reset (fn [] (map ask (range 0 9))))
      k2 (k1 :x)]
  (println (k2 :y) ((deserialize (serialize k2)) :z) ((k1 :p) :q)))
(let [k (cloneable-reset (fn [] (let [r (ref 0)] (for-each (range -5 0) (fn [x] (ref-set! r (+ (deref r) (ask (- x)))))) (deref r))))]
  (println (k 10) (k 20) ((deserialize (serialize k)) 30)))

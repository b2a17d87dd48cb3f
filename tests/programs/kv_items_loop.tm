;; A lambda mapped, reduced or for-each'd over (keys m) that reads (get m k) of its key walks
;; the map's (key, value) pairs once (compiler/fastpath.py, `_kv_fusion`): the same values in
;; the same order as the library's keys and get (checked against them called through apply,
;; which no fast path sees), nil and false values included; anything that is not exactly a
;; persistent map goes to the library; a map or key that is `set!`, a key shadowed, another
;; map, are not fused; a capture inside the loop resumes twice and after a round trip.
(module kvitems)
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (error _) -> :error _ -> (type-of e)))))
(defn pairs [m] (map (fn [k] [k (get m k)]) (keys m)))
(defn slow-pairs [m] (apply map [(fn [k] [k (apply get [m k])]) (apply keys [m])]))
(defn total [m] (reduce (fn [acc k] (+ acc (get m k))) 0 (keys m)))
(defn each [m] (let [r (ref [])] (for-each (keys m) (fn [k] (ref-set! r (conj (deref r) [k (get m k)])))) (deref r)))
;; the same with a call the loop may capture in (a loop of its own, not a comprehension)
(defn id [x] x)
(defn pairs-site [m] (map (fn [k] [(id k) (id (get m k))]) (keys m)))
(defn total-site [m] (reduce (fn [acc k] (+ acc (id (get m k)))) 0 (keys m)))
(defn truthy-site [m] (reduce (fn [acc k] (if (get m k) (conj acc (id k)) acc)) [] (keys m)))
(def m {:a nil :b #f :c 0 :d "" :e [] :f {} "g" 1.5 7 :seven nil :nil})
(println (= (pairs m) (slow-pairs m)) (= (each m) (vec (slow-pairs m))) (= (pairs-site m) (slow-pairs m)) (count (pairs m)))
(println (sort (map str (truthy-site m))) (total-site {:x 1 :y 2 :z 3}) (total-site {}) (pairs-site {}) (kind (fn [] (total-site {:x 1 :y #t}))))
(println (sort (map (fn [p] (str (first p) "=" (pr-str (second p)))) (pairs m))))
(println (total {:x 1 :y 2 :z 3}) (total {}) (pairs {}) (each {}) (kind (fn [] (total {:x 1 :y #t}))))
;; the value is read where the body reads it: once per (get m k), in the body's order
(defn twice [m] (map (fn [k] (str (get m k) "/" (get m k) "/" k)) (keys m)))
(println (twice {:a 1}) (twice {:a nil}) (twice {:a #f}))
;; not a persistent map: a Python dict, a struct, a vector, nil, a number -- as the library
(import-python collections [OrderedDict])
(def py (->py {:a 1 :b nil}))
(println (= (pairs py) (slow-pairs py)) (count (pairs py)))
(def od (OrderedDict))
(.__setitem__ od "k" 1)
(println (pairs od) (slow-pairs od))
(struct P [x y])
(println (kind (fn [] (pairs (P 1 2)))) (kind (fn [] (slow-pairs (P 1 2)))) (kind (fn [] (total (P 1 2)))))
(println (kind (fn [] (pairs [1 2]))) (kind (fn [] (pairs nil))) (kind (fn [] (each 5))) (kind (fn [] (slow-pairs 5))))
;; not fused: another map, a shadowed key, a map or key that is set!, a get with a default
(defn other [m1 m2] (map (fn [k] (get m2 k)) (keys m1)))
(defn shadow [m] (map (fn [k] (let [k :b] (get m k))) (keys m)))
(defn reset-map [m] (map (fn [k] (set! m {:a 5}) (get m k)) (keys m)))
(defn reset-key [m] (map (fn [k] (set! k :b) (get m k)) (keys m)))
(defn dflt [m] (map (fn [k] (get m k :none)) (keys m)))
(println (other {:a 1} {:a 2}) (other {:a 1} {}) (shadow {:a 1 :b 2}) (reset-map {:a 1}) (reset-key {:a 1 :b 2}) (dflt {:a nil}))
;; a capture while computing a key's part and a value's part: resumed twice, after a round trip
(defn ask [x] (if (= x :hole) (cloneable-shift [k] k) x))
(defn grab [m] (sort (map (fn [k] (str (ask k) "=" (ask (get m k)))) (keys m))))
(let [k (cloneable-reset (fn [] (grab {:a 1 :b :hole :c #f})))]
  (println (k "X") (k "Y") ((deserialize (serialize k)) "Z")))
(let [k (cloneable-reset (fn [] (grab {:hole 1 :b 2})))]
  (println (k "X") (k "Y") ((deserialize (serialize k)) "Z")))
(let [k (cloneable-reset (fn [] (reduce (fn [acc k] (+ acc (ask (get {:a 1 :b :hole :c 100} k)))) 0 (keys {:a 1 :b :hole :c 100}))))]
  (println (k 10) (k 20) ((deserialize (serialize k)) 30)))
(defn grab-each [m] (let [r (ref 0)] (for-each (keys m) (fn [k] (ref-set! r (+ (deref r) (ask (get m k)))))) (deref r)))
(let [k (cloneable-reset (fn [] (grab-each {:a 1 :b :hole :c 100})))]
  (println (k 10) (k 20) ((deserialize (serialize k)) 30)))
;; the json printer's shape: a map inside a vector inside a map, the capture deep inside
(defn js [v]
  (cond (= v :hole) (cloneable-shift [k] k)
        (map? v) (str "{" (string/join "," (sort (map (fn [k] (str (js k) ":" (js (get v k)))) (keys v)))) "}")
        (vector? v) (str "[" (string/join "," (map js v)) "]")
        (nil? v) "null"
        :else (pr-str v)))
(let [k (cloneable-reset (fn [] (js {:a [1 {:b :hole :c nil}] :d #f})))]
  (println (k "X") (k "Y") ((deserialize (serialize k)) "Z")))
;; two captures in one loop: the second one in a resumed frame, whose accumulator is its own
(defn grab-vals [m] (string/join "," (sort (map (fn [k] (str (ask (get m k)))) (keys m)))))
(let [k1 (cloneable-reset (fn [] (grab-vals {:a :hole :b :hole :c 3})))
      k2 (k1 "X")]
  (println (k2 "Y") (k2 "Z") ((deserialize (serialize k2)) "W") ((k1 "P") "Q") (((deserialize (serialize k1)) "R") "S")))
(let [k1 (cloneable-reset (fn [] (reduce (fn [acc k] (+ acc (ask (get {:a :hole :b :hole :c 100} k)))) 0 (keys {:a :hole :b :hole :c 100}))))
      k2 (k1 1)]
  (println (k2 10) (k2 20) ((deserialize (serialize k2)) 30) ((k1 2) 40)))

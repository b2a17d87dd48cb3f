;; Loops and reduce that build a vector or a map in place (compiler/transient.py), and
;; the cases where they must not: every older version stays as it was.
(module transients)

(defn build [n] (loop [i 0 v []] (if (< i n) (recur (inc i) (conj v i)) v)))
(defn doubled [v] (loop [i 0 w v] (if (< i (count w)) (recur (inc i) (assoc w i (* 2 (nth w i)))) w)))
(defn word-count [text]
  (reduce (fn [m w] (assoc m w (inc (get m w 0)))) {} (string/split text " ")))

(def v (build 5))
(println v (doubled v) v)
(println (word-count "a b a c b a"))
(println (= (word-count "x y x") {"x" 2 "y" 1}))

;; an older version kept in a vector
(println (loop [i 0 v [] h []] (if (< i 3) (recur (inc i) (conj v i) (conj h v)) (conj h v))))

;; a recur argument read after the update sees the old value
(println (loop [i 0 v [] cs []] (if (< i 3) (recur (inc i) (conj v i) (conj cs (count v))) [v cs])))

;; an exception in the loop leaves the start value unchanged
(def base [1 2 "x"])
(println (try (doubled base) (catch [e] (type-of e))) base)

;; a continuation that holds the old map
(defn fill [m n] (loop [i 0 m m] (if (< i n) (recur (inc i) (assoc m i i)) m)))
(def k (cloneable-reset (fn [] (let [m {:a 1} got (cloneable-shift [k] k)] [m (fill m 2) got]))))
(println (k 1))
(println (k 2))
(println ((deserialize (serialize k)) 3))

;; capture inside the loop: each resumption continues from the vector at capture
(def k2 (cloneable-reset (fn [] (loop [i 0 v []] (if (< i 4) (recur (inc i) (conj v (if (= i 2) (cloneable-shift [k] k) i))) v)))))
(println (k2 :a) (k2 :b))

;; a struct rebuilt in a loop keeps its fields in locals; any other value at entry
;; runs the ordinary loop, with the same result
(struct P [x y vx vy])
(struct Q [x y vx vy])
(defn run [p n]
  (loop [i 0 p p]
    (if (< i n)
      (let [nx (+ p.x p.vx)]
        (recur (inc i) (P nx (+ p.y p.vy) (if (> nx 10) (- 0 p.vx) p.vx) p.vy)))
      p)))
(def start (P 0 0 3 4))
(println (run start 5) (run (Q 0 0 3 4) 5) start)

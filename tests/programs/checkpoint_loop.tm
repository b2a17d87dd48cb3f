;; (continue k v) in tail position of the shift body runs in constant stack:
;; a loop that checkpoints 100,000 times.
(defn work [n]
  (loop [i 0 acc 0]
    (if (= i n)
      acc
      (do (cloneable-shift [k] (continue k nil))
          (recur (+ i 1) (+ acc i))))))
(println (cloneable-reset (fn [] (work 100000))))

;; the seed guide's checkpoint macro shape, without writing files
(def checkpoints (ref 0))
(defmacro checkpoint [name value]
  `(cloneable-shift [k]
     (swap! checkpoints inc)
     (continue k ~value)))
(defn counted-loop [n]
  (loop [i 0 total 0]
    (if (= i n)
      total
      (let [v (checkpoint "step" i)]
        (recur (inc i) (+ total v))))))
(println (cloneable-reset (fn [] (counted-loop 100000))) (deref checkpoints))

;; resume/continue/direct call in tail position, at top level (implicit prompt)
(defn tick-loop [n]
  (loop [i 0]
    (when (< i n)
      (cloneable-shift [k] (k))
      (recur (inc i))))
  :ticked)
(println (tick-loop 100000))
(defn resume-loop [n]
  (loop [i 0 s 0]
    (if (< i n) (recur (inc i) (+ s (cloneable-shift [k] (resume k 2)))) s)))
(println (resume-loop 100000))

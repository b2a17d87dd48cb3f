;; A boolean bound of a loop compiled with an int copy: the ordinary loop runs, and its
;; comparison throws type-error at its own position.
(defn sum-below [n]
  (loop [i 0 acc 0]
    (if (< i n) (recur (inc i) (+ acc i)) acc)))
(println (sum-below 4))
(println (sum-below #t))

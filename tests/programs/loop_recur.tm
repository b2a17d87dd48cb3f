;; loop/recur runs in constant stack.
(println (loop [i 0 acc 0] (if (= i 1000000) acc (recur (+ i 1) (+ acc i)))))
(println (loop [i 0 acc []] (if (= i 5) acc (recur (inc i) (conj acc (* i i))))))
(defn fib [n]
  (loop [a 0 b 1 k n]
    (if (= k 0) a (recur b (+ a b) (dec k)))))
(println (fib 10) (fib 90))
;; recur from cond / let / when / do branches in tail position
(defn collatz-steps [n]
  (loop [x n steps 0]
    (cond
      (= x 1) steps
      (= (mod x 2) 0) (let [h (quot x 2)] (recur h (inc steps)))
      :else (do (recur (+ (* 3 x) 1) (inc steps))))))
(println (collatz-steps 27))
;; nested loops
(println (loop [i 0 out []]
           (if (= i 3)
             out
             (recur (inc i)
                    (conj out (loop [j 0 s 0] (if (> j i) s (recur (inc j) (+ s j)))))))))
;; loop bindings are sequential like let
(println (loop [a 2 b (* a 10)] (if (> a 4) (list a b) (recur (inc a) (+ b a)))))
;; loop value with a multi-form body
(println (loop [i 3] (println "tick" i) (if (= i 1) :liftoff (recur (dec i)))))

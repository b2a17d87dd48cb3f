;; Non-tail recursion 100,000 deep does not overflow.
(defn sum-to [n] (if (= n 0) 0 (+ n (sum-to (- n 1)))))
(println (sum-to 100000))
(defn build [n] (if (= n 0) '() (cons n (build (- n 1)))))
(println (count (build 100000)))

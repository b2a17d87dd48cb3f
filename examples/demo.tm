;; A tour of Turmeric in one file: run it with `turmeric run examples/demo.tm`.
(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(println "fib 20 =" (fib 20))

;; a half-finished computation: suspend inside a loop, resume later
(defn count-up [n]
  (loop [i 0 acc []]
    (if (= i n)
      acc
      (let [answer (cloneable-shift [k] k)]   ; suspend: the prompt returns k
        (recur (inc i) (conj acc answer))))))

(def job (cloneable-reset (fn [] (count-up 3))))
(println "suspended:" job)
(def job2 (job "first"))
(def job3 (job2 "second"))
(println "finished:" (job3 "third"))
(println "resumed again from the start, differently:" (((job :a) :b) :c))

;; a suspended computation is plain data: serialize it, and resume the copy
(def blob (serialize job2))
(println "serialized a" (count (continuation-frames job2)) "frame continuation into" (count blob) "bytes")
(println "resumed from bytes:" (((deserialize blob) "from") "bytes"))
(println "see docs/continuations.md for resuming in another process")

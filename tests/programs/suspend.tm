;; (cloneable-shift [k] k) and (suspend): half-finished computations as values.
(def job
  (cloneable-reset
    (fn []
      (println "step 1")
      (def a (suspend))
      (println "step 2 got" a)
      (def b (cloneable-shift [k] k))
      (println "step 3 got" b)
      (list :finished a b))))
(println "job suspended:" (continuation? job))
(def job2 (resume job :first))
(println "job2 suspended:" (continuation? job2))
(println (resume job2 :second))
;; the first suspension can be resumed again with another value
(def job3 (resume job :again))
(println (resume job3 :more))
(println (job2 :third))

;; suspend at top level: the implicit prompt around the form returns k
(def top-k (+ 1 (suspend)))
(println (continuation? top-k) (top-k 41))

;; suspension inside nested calls of a workflow
(defn step [name]
  (println "running" name)
  (suspend)
  name)
(defn workflow []
  (list (step "a") (step "b")))
(def w1 (cloneable-reset workflow))
(def w2 (w1))
(println (w2))

;; resuming a suspended job many times yields independent runs
(def counter-job (cloneable-reset (fn [] (def v (suspend)) (* v v))))
(println (map (fn [i] (counter-job i)) (range 5)))

;; finally blocks run when a frame is really left, not when it is suspended.
(def k
  (cloneable-reset
    (fn []
      (try
        (println "body start")
        (def v (cloneable-shift [k] k))
        (println "body resumed with" v)
        (list :result v)
        (finally (println "finally runs"))))))
(println "suspended, no finally yet")
(println (k 1))
(println (k 2))

;; a continuation that is never resumed never runs its finally
(println (cloneable-reset (fn [] (try (cloneable-shift [k] :abandoned) (finally (println "never printed"))))))

;; the resumed run leaves by an exception: finally runs, then the catch outside
(def k2
  (cloneable-reset
    (fn []
      (try
        (let [v (cloneable-shift [k] k)]
          (if (= v 0) (throw :zero) v))
        (finally (println "cleanup"))))))
(println (k2 5))
(println (try (k2 0) (catch [e] (list :caught e))))

;; catch handlers of a suspended try apply in each resumed run
(def k3
  (cloneable-reset
    (fn []
      (try
        (let [v (cloneable-shift [k] k)]
          (if (= v 0) (throw :zero) v))
        (catch [e] (list :caught-inside e))))))
(println (k3 7) (k3 0) (k3 8))

;; a throw from the shift body is not caught by the try it escaped from
(println (try
           (cloneable-reset
             (fn [] (try (cloneable-shift [k] (throw :from-body))
                         (catch [e] :inner-caught))))
           (catch [e] (list :outer-caught e))))

;; nested try frames: inner and outer finally run in order on each resumption
(def k4
  (cloneable-reset
    (fn []
      (try
        (try
          (+ 1 (cloneable-shift [k] k))
          (finally (println "inner finally")))
        (finally (println "outer finally"))))))
(println "k4 captured")
(println (k4 10))
(println (k4 20))

;; a finally around the whole reset runs once, when the reset returns
(println (try (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] (k (k 1))))))
              (finally (println "around reset"))))

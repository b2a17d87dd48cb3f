;; try / catch / finally with thrown values of any type.
(println (try (+ 1 2) (catch [e] :caught)))
(println (try (throw :boom) (catch [e] (list :caught e))))
(println (try (throw "a string") (catch [e] e)))
(println (try (throw 42) (catch [e] (+ e 1))))
(println (try (throw [1 2]) (catch [e] (count e))))
(println (try (throw (error "bad thing")) (catch [e] e.message)))
(println (try (throw (validation-error "Invalid order")) (catch [e] e)))

;; finally runs on normal exit and on exceptions; its value is discarded
(println (try :body-value (finally (println "finally 1") :ignored)))
(println (try (throw :x) (catch [e] :handler-value) (finally (println "finally 2"))))
(println (try
           (try (throw :inner) (finally (println "inner finally")))
           (catch [e] (list :outer-caught e))))

;; throw from a called function unwinds through it
(defn risky [n]
  (when (> n 2) (throw (error (str "too big: " n))))
  n)
(defn safe [n] (try (risky n) (catch [e] (str "caught " e.message))))
(println (safe 1) "/" (safe 5))

;; rethrow from a handler
(println (try
           (try (throw 1) (catch [e] (throw (+ e 1))))
           (catch [e] (list :rethrown e))))

;; exception thrown inside catch still runs finally
(println (try
           (try (throw :a) (catch [e] (throw :b)) (finally (println "finally after rethrow")))
           (catch [e] e)))

;; the order of effects
(defn trace []
  (try
    (println "body")
    (throw :oops)
    (println "not reached")
    (catch [e] (println "handler" e) :handled)
    (finally (println "cleanup"))))
(println (trace))

;; a loop whose body throws and recovers every other iteration
(println (loop [i 0 acc []]
           (if (= i 4)
             acc
             (recur (inc i)
                    (conj acc (try (if (= (mod i 2) 0) (throw i) :ok)
                                   (catch [e] (list :caught e))))))))

;; catch matches on the thrown struct
(struct my-failure [code : int64])
(println (try (throw (my-failure 7))
              (catch [e] (match e
                           (my-failure c) -> (list :my-failure c)
                           _ -> :other))))

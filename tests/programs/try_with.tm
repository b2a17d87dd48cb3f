;; try-with: the handler receives the thrown value and the continuation of the throw.
(println (try-with (fn [] (+ 1 (throw 10))) (fn [e k] (k (* e 2)))))      ; throw returns 20
(println (try-with (fn [] :no-throw) (fn [e k] :handler)))
(println (try-with (fn [] (throw :oops)) (fn [e k] (list :handled e))))
;; k resumed twice
(println (try-with (fn [] (+ 1 (throw 0))) (fn [e k] (+ (k 10) (k 20)))))  ; 11 + 21
;; k not resumed: the rest of the thunk never runs
(println (try-with (fn [] (println "before throw") (throw :stop) (println "never")) (fn [e k] :stopped)))

;; throw from a nested call, resumed with a default
(defn safe-div [a b]
  (if (= b 0) (throw (error "div by zero")) (/ a b)))
(println (try-with (fn [] (+ (safe-div 10 2) (safe-div 1 0) (safe-div 9 3)))
                   (fn [e k] (println "recovering from:" e.message) (k 0))))   ; 5 + 0 + 3

;; the handler's value is the value of try-with when k is not called
(println (+ 100 (try-with (fn [] (* 2 (throw 5))) (fn [e k] e))))

;; an inner try catches first, the handler is not called
(println (try-with (fn [] (try (throw :inner) (catch [e] (list :caught-inside e))))
                   (fn [e k] :handler-called)))

;; a throw from the handler propagates out of try-with
(println (try (try-with (fn [] (throw 1)) (fn [e k] (throw (+ e 1))))
              (catch [e] (list :outer e))))

;; runtime errors reach the handler as structs
(println (try-with (fn [] (/ 1 0))
                   (fn [e k] (match e (division-by-zero) -> :dbz _ -> :other))))

;; k can be kept and resumed after try-with returned
(def saved (try-with (fn [] (list :resumed-with (throw :need-value))) (fn [e k] k)))
(println (saved 1) (saved 2))

;; a validation-style example: ask for a value from the handler
(defn lookup [m key]
  (let [v (get m key)]
    (if (nil? v) (throw (Pair :missing key)) v)))
(defn total [m] (+ (lookup m :a) (lookup m :b)))
(println (try-with (fn [] (total {:a 1}))
                   (fn [e k] (match e (Pair :missing key) -> (do (println "defaulting" key) (k 100))))))

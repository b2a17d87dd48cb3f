;; Globals are late-bound: functions may call functions defined after them.
(defn my-even? [n] (if (= n 0) #t (my-odd? (- n 1))))
(defn my-odd? [n] (if (= n 0) #f (my-even? (- n 1))))
(println (my-even? 10) (my-odd? 7) (my-even? 7))
(println (my-even? 10000))
(defn uses-later [] (later-fn 2))
(defn later-fn [x] (* x 21))
(println (uses-later))
;; redefining a function is seen by its callers
(defn greeting [] "hello")
(defn greet [] (str (greeting) "!"))
(println (greet))
(defn greeting [] "bonjour")
(println (greet))

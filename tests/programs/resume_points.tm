;; Resume points inside catch handlers, finally blocks (normal and exceptional exit), nested loops and try-with.
;; resume into a catch handler
(defn h [] (try (throw 1) (catch [e] (+ e (cloneable-shift [k] k)))))
(def k1 (cloneable-reset h))
(println (k1 10) (k1 20))
;; resume into finally, after a normal body
(defn fin [] (try 5 (finally (println "fin sees" (cloneable-shift [k] k)))))
(def k2 (cloneable-reset fin))
(println (k2 :a))
;; resume into finally during an exception: the exception continues after finally
(defn fin2 [] (try (throw :boom) (finally (println "fin2" (cloneable-shift [k] k)))))
(def k3 (cloneable-reset fin2))
(println (try (k3 :x) (catch [e] (str "after finally: " e))))
;; nested loops
(defn nl [] (loop [i 0 acc []] (if (< i 2) (recur (inc i) (loop [j 0 a acc] (if (< j 2) (recur (inc j) (conj a [i j (cloneable-shift [k] k)])) a))) acc)))
(def k4 (cloneable-reset nl))
(def k5 (k4 :a))
(def k6 (k5 :b))
(def k7 (k6 :c))
(println (k7 :d))
(println ((((k4 1) 2) 3) 4))
;; try/catch around a resumed throw via try-with, nested in loop
(println (try-with (fn [] (loop [i 0 acc 0] (if (< i 3) (recur (inc i) (+ acc (throw i))) acc))) (fn [e k] (k (* 10 e)))))

(module audit-number-vectors)
;; A loop's vector that only gets numbers is read as numbers (compiler/transient.py): the
;; reads' errors and defaults, booleans compared with its elements, and the same vector
;; read through the library (nth*, get*) must agree.
(defn kind [thunk] (try (pr-str (thunk)) (catch [e] (pr-str e))))
(def nth* nth)
(def get* get)
(defn g [b] (loop [w [] i 0] (if (< i 3) (recur (conj w i) (inc i)) [(= (nth w 1) b) (not= b (nth w 1)) (+ 1 (nth w 1)) (= b (get w 0 0))])))
(println (g #t) (g #f) (g 1))
(defn h [j] (loop [w [] i 0] (if (< i 3) (recur (conj w (* i 1.5)) (inc i)) (* 2 (nth w j)))))
(defn h* [j] (loop [w [] i 0] (if (< i 3) (recur (conj w (* i 1.5)) (inc i)) (* 2 (nth* w j)))))
(println (map (fn [j] (= (kind (fn [] (h j))) (kind (fn [] (h* j))))) [1 5 -1 #t 1.0 nil "0"]) (kind (fn [] (h 5))) (kind (fn [] (h #t))))
(defn d [j dflt] (loop [w [] i 0] (if (< i 3) (recur (conj w i) (inc i)) (* 2 (get w j dflt)))))
(defn d* [j dflt] (loop [w [] i 0] (if (< i 3) (recur (conj w i) (inc i)) (* 2 (get* w j dflt)))))
(println (map (fn [a] (= (kind (fn [] (d (first a) (second a)))) (kind (fn [] (d* (first a) (second a)))))) [[1 0] [7 0] [7 "x"] [7 #t] [#t 0] [-1 2.5]]) (kind (fn [] (d 7 "x"))) (kind (fn [] (d 7 #t))))
;; handed to a second loop: its updates must be numbers too
(defn two [x] (let [v (loop [w [] i 0] (if (< i 3) (recur (conj w i) (inc i)) w)) u (loop [b v j 0] (if (< j 2) (recur (assoc b j x) (inc j)) b))] (* 2 (nth u 0))))
(println (kind (fn [] (two 3))) (kind (fn [] (two "ab"))) (kind (fn [] (two #t))) (kind (fn [] (two 1.5))))

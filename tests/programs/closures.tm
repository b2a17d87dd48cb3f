;; Closures capture their lexical environment.
(defn make-adder [n] (fn [x] (+ x n)))
(def add5 (make-adder 5))
(def add10 (make-adder 10))
(println (add5 1) (add10 1) ((make-adder 100) 1))

(defn compose [f g] (fn [x] (f (g x))))
(println ((compose inc (fn [x] (* x 2))) 5))

;; each loop iteration's closure sees its own value
(def thunks (loop [i 0 acc []]
              (if (= i 3) acc (recur (+ i 1) (conj acc (fn [] i))))))
(println (map (fn [t] (t)) thunks))

(def thunks2 (map (fn [i] (fn [] (* i i))) (range 4)))
(println (map (fn [t] (t)) thunks2))

;; named fn can call itself
(println ((fn fact [n] (if (= n 0) 1 (* n (fact (- n 1))))) 6))

;; closures over let locals and parameters
(defn make-greeter [greeting]
  (let [suffix "!"]
    (fn [name] (str greeting ", " name suffix))))
(println ((make-greeter "Hello") "Ann"))

;; a closure captures the binding, not a global of the same name
(def n 1)
(def captured (let [n 2] (fn [] n)))
(def n 3)
(println (captured) n)

;; functions are values
(defn apply-twice [f x] (f (f x)))
(println (apply-twice add5 0) (apply-twice (fn [s] (str s s)) "ab"))
(println (fn? add5) (fn? 5))
(println (reduce (fn [acc f] (f acc)) 1 [inc (make-adder 10) (fn [x] (* x 3))]))

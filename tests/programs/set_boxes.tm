;; set! on locals and globals; a set! local captured by closures is one shared box.
(def counter 0)
(defn bump! [] (set! counter (+ counter 1)) counter)
(bump!)
(bump!)
(println counter (bump!))

(defn local-set [x]
  (set! x (* x 10))
  (def y 1)
  (set! y (+ y x))
  (list x y))
(println (local-set 4))

(defn make-counter []
  (let [n 0]
    (fn [] (set! n (+ n 1)) n)))
(def c1 (make-counter))
(def c2 (make-counter))
(c1)
(c1)
(println (c1) (c2))

;; two closures share one box
(defn make-account [balance]
  (let [deposit (fn [amount] (set! balance (+ balance amount)) balance)
        peek (fn [] balance)]
    [deposit peek]))
(def acct (make-account 100))
(def deposit (nth acct 0))
(def peek (nth acct 1))
(deposit 50)
(println (peek))
(deposit 25)
(println (peek))

;; the closure sees later assignments made by the enclosing body
(defn later []
  (let [v 1
        get-v (fn [] v)]
    (set! v 2)
    (get-v)))
(println (later))

;; a collection built through a box; the original value is unchanged
(defn collect [items]
  (let [out []]
    (for-each items (fn [x] (set! out (conj out (* x x)))))
    out))
(println (collect [1 2 3]))
(def base [1 2])
(def more (conj base 3))
(println base more)


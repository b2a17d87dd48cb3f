;; Generators and iterators built from shift/reset.
;; yield returns (Pair value rest-of-generator); the generator ends with :done.
(defn yield [v] (shift [k] (Pair v k)))

(defn gen-range [n]
  (reset (fn [] (loop [i 0] (when (< i n) (yield i) (recur (inc i)))) :done)))

(defn drain [g]
  (loop [g g acc []]
    (match g
      :done -> acc
      (Pair v k) -> (recur (k nil) (conj acc v)))))
(println (drain (gen-range 5)))

;; a generator over a tree, used to compare fringes lazily
(struct Node [left : any right : any])
(defn walk [t]
  (if (Node? t)
    (do (walk t.left) (walk t.right))
    (yield t)))
(defn fringe [t] (reset (fn [] (walk t) :done)))
(println (drain (fringe (Node (Node 1 2) (Node 3 (Node 4 5))))))

(defn same-fringe? [a b]
  (loop [g1 (fringe a) g2 (fringe b)]
    (cond
      (and (= g1 :done) (= g2 :done)) #t
      (or (= g1 :done) (= g2 :done)) #f
      (= g1.first g2.first) (recur (g1.second nil) (g2.second nil))
      :else #f)))
(println (same-fringe? (Node 1 (Node 2 3)) (Node (Node 1 2) 3)))
(println (same-fringe? (Node 1 (Node 2 3)) (Node (Node 1 2) 4)))
(println (same-fringe? (Node 1 2) (Node 1 (Node 2 3))))

;; yield values are the results of resuming: a two-way coroutine
(defn ask [q] (shift [k] (Pair q k)))
(def convo
  (reset (fn []
    (def name (ask "name?"))
    (def age (ask "age?"))
    (str name " is " age))))
(println convo.first)
(def step2 (convo.second "Ann"))
(println step2.first)
(println (step2.second 30))
;; the same suspended conversation answered differently
(println (let [s (convo.second "Bo")] (s.second 41)))

;; a generator driven through a higher-order function (for-each)
(defn gen-each [coll] (reset (fn [] (for-each coll (fn [x] (yield (* x 10)))) :done)))
(println (drain (gen-each [1 2 3])))

;; collecting yields into a list with the classic cons trick
(defn emit [v] (shift [k] (cons v (k nil))))
(println (reset (fn [] (emit 1) (emit 2) (emit 3) '())))

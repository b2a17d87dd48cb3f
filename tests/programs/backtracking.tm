;; Backtracking search with multi-shot continuations (amb).
(defn amb [xs]
  (cloneable-shift [k] (reduce (fn [acc x] (concat acc (k x))) '() xs)))
(defn require! [c]
  (if c nil (cloneable-shift [k] '())))

(println (cloneable-reset (fn []
  (let [a (amb (range 1 20))
        b (amb (range a 20))
        c (amb (range b 20))]
    (require! (= (+ (* a a) (* b b)) (* c c)))
    (list [a b c])))))

;; n-queens: each queen's column is an independent choice per branch
(defn safe? [placed col]
  (let [row (count placed)]
    (loop [i 0]
      (cond
        (= i row) #t
        (let [c (nth placed i)]
          (or (= c col) (= (abs (- c col)) (- row i)))) #f
        :else (recur (inc i))))))
(defn queens [n]
  (cloneable-reset (fn []
    (loop [placed []]
      (if (= (count placed) n)
        (list placed)
        (let [col (amb (range n))]
          (require! (safe? placed col))
          (recur (conj placed col))))))))
(def sols (queens 5))
(println (count sols) (first sols) (nth sols 9))
(println (count (queens 6)))

;; filtering a single choice
(println (cloneable-reset (fn []
  (let [x (amb [1 2 3 4 5])]
    (require! (> (* x x) 10))
    (list x)))))

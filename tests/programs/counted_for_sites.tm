(module counted-for-sites)
;; Loops over a counter with a capture site inside compile to a Python `for` in the normal
;; variant (compiler/emit_normal.py `counted_for`) and stay a while loop in the resume
;; variant. A continuation captured at the first, a middle and the last step, resumed twice
;; and after a serialize round trip, must go on from the step it was captured at; the
;; counter's value after the loop must be what the loop's test left.
(defn grab [] (cloneable-shift [k] k))
(defn shots [k] (list (k 1) (k 10) ((deserialize (serialize k)) 100)))
(defn at-step [j] (fn [x i] (if (= i j) (* x (grab)) x)))

;; a hand-written counted loop (its bound a count) whose exit reads the counter
(defn walk [xs f]
  (let [n (count xs)]
    (loop [i 0 acc 0]
      (if (< i n)
        (recur (inc i) (+ acc (f (nth xs i) i)))
        [i acc]))))
(println :walk (walk [10 20 30 40] (fn [x i] x)) (walk [] (fn [x i] x)))
(for-each [0 2 3] (fn [j]
  (println :walk j (shots (cloneable-reset (fn [] (walk [10 20 30 40] (at-step j))))))))

;; a counter starting past the bound: no step runs and the counter stays as it was
(defn from [start n f]
  (loop [i start acc []]
    (if (< i n)
      (recur (inc i) (conj acc (f i i)))
      [i acc])))
(println :from (from 7 3 (fn [x i] x)) (from 2 3 (fn [x i] x)))
(println :from (shots (cloneable-reset (fn [] (from 1 4 (at-step 2))))))

;; the library's loops over vectors, lists and ranges, captured at each position
(for-each [0 1 2] (fn [j]
  (println :map j (shots (cloneable-reset (fn [] (map (fn [x] ((at-step j) x (dec x))) [1 2 3])))))
  (println :map-range j (shots (cloneable-reset (fn [] (map (fn [x] ((at-step j) x x)) (range 3))))))
  (println :reduce j (shots (cloneable-reset (fn [] (reduce (fn [a x] (+ a ((at-step j) x (dec x)))) 0 (list 1 2 3))))))
  (println :filter j (shots (cloneable-reset (fn [] (filter (fn [x] (= 1 ((at-step j) 1 (dec x)))) [1 2 3])))))
  (println :map-indexed j (shots (cloneable-reset (fn [] (map-indexed (fn [i x] ((at-step j) x i)) [5 6 7])))))))

;; a for-each whose body both captures and records the order of its steps
(def log (ref []))
(defn record [j]
  (ref-set! log [])
  (for-each [:a :b :c] (fn [x] (swap! log conj (if (= x j) [x (grab)] x))))
  (deref log))
(println :for-each (shots (cloneable-reset (fn [] (record :b)))))
(println :for-each (shots (cloneable-reset (fn [] (record :c)))))

;; nested: the inner loop's continuation holds the outer loop's counter
(defn grid [n]
  (map (fn [r] (map (fn [c] (if (and (= r 1) (= c 2)) (+ (* 10 r) c (grab)) (+ (* 10 r) c))) (range n))) (range n)))
(println :grid (shots (cloneable-reset (fn [] (grid 3)))))

;; Compute benchmarks (benchmarks/compute.py times these in-process).
;; Keep them the natural Turmeric way to write each task: each one is what a
;; Turmeric programmer would write, beside the natural Python (compute_py.py)
;; and Hy (compute_hy.hy) for the same task.
(module compute)

;; --- recursion ---------------------------------------------------------------------

;; naive doubly recursive Fibonacci
(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))

;; --- numeric loops, one comparison operator each --------------------------------------

;; `<`: sum of squares 0..n-1
(defn sum-squares [n]
  (loop [i 0 acc 0]
    (if (< i n)
      (recur (inc i) (+ acc (* i i)))
      acc)))

;; `=`: count up to n, stopping when i equals n
(defn count-to [n]
  (loop [i 0 acc 0]
    (if (= i n)
      acc
      (recur (inc i) (+ acc i)))))

;; `>` and `>=`: count down, weighting the numbers whose remainder mod 5 is at least 3
(defn countdown [n]
  (loop [i n acc 0]
    (if (> i 0)
      (recur (dec i) (if (>= (mod i 5) 3) (+ acc i) acc))
      acc)))

;; `<=` and `not=`: numbers whose remainder mod 7 is at most 2 and not 0
(defn window-count [n]
  (loop [i 0 c 0]
    (if (<= i n)
      (let [r (mod i 7)]
        (recur (inc i) (if (and (<= r 2) (not= r 0)) (inc c) c)))
      c)))

;; `even?`, `quot`, `zero?`: total Collatz steps of 1..n
(defn collatz-steps [n]
  (loop [k 1 total 0]
    (if (> k n)
      total
      (recur (inc k)
             (+ total (loop [x k steps 0]
                        (if (= x 1)
                          steps
                          (recur (if (even? x) (quot x 2) (inc (* 3 x))) (inc steps)))))))))

;; --- higher-order pipelines --------------------------------------------------------------

;; the sum of the even squares of 0..n-1: builtin predicate, one small lambda
(defn pipeline [n]
  (reduce + 0 (filter even? (map (fn [x] (* x x)) (range n)))))

;; small lambdas using mod and = at every stage
(defn pipeline-lambdas [n]
  (reduce (fn [acc x] (+ acc x))
          0
          (filter (fn [x] (= (mod x 3) 0))
                  (map (fn [x] (inc (* x 2))) (range n)))))

;; for-each with a closure over a ref
(defn for-each-sum [n]
  (let [total (ref 0)]
    (for-each (range n) (fn [x] (when (zero? (mod x 4)) (ref-set! total (+ (deref total) x)))))
    (deref total)))

;; --- strings and maps ---------------------------------------------------------------------

;; string building with str: "item-i:i*i" joined with commas; its length
(defn build-string [n]
  (count (string/join "," (map (fn [i] (str "item-" i ":" (* i i))) (range n)))))

;; word count over a map: reduce assoc-ing counts; the number of distinct words
;; and the count of one of them
(defn word-count [text]
  (let [counts (reduce (fn [m w] (assoc m w (inc (get m w 0))))
                       {}
                       (string/split text " "))]
    (+ (* 1000000 (count counts)) (get counts "w7"))))

;; --- structs, match, type classes -----------------------------------------------------------

(struct Particle [x y vx vy])

;; struct updates in a loop: move a particle n steps, bouncing off the walls at 0 and 1000
(defn simulate [n]
  (loop [i 0 p (Particle 0 0 3 7)]
    (if (< i n)
      (let [nx (+ p.x p.vx) ny (+ p.y p.vy)]
        (recur (inc i)
               (Particle nx ny
                         (if (or (< nx 0) (> nx 1000)) (- 0 p.vx) p.vx)
                         (if (or (< ny 0) (> ny 1000)) (- 0 p.vy) p.vy))))
      (+ (* 10000 p.x) p.y))))

(struct Leaf [])
(struct Node [left value right])

(defn make-tree [depth start]
  (if (= depth 0)
    (Leaf)
    (Node (make-tree (dec depth) (* 2 start))
          start
          (make-tree (dec depth) (inc (* 2 start))))))

;; match over a tree: build a complete tree of the given depth and add up its values
(defn tree-sum [t]
  (match t
    (Leaf) -> 0
    (Node l v r) -> (+ (tree-sum l) v (tree-sum r))))

(defn tree-bench [depth]
  (tree-sum (make-tree depth 1)))

(defclass Shape [a]
  (area [s : a] : int64))

(struct Square [side])
(struct Rect [w h])
(struct Tri [b h])

(instance Shape Square (area [s] (* s.side s.side)))
(instance Shape Rect (area [s] (* s.w s.h)))
(instance Shape Tri (area [s] (quot (* s.b s.h) 2)))

(defn make-shape [i]
  (let [k (mod i 3)]
    (cond (= k 0) (Square i)
          (= k 1) (Rect i 2)
          :else (Tri i 3))))

;; type-class dispatch: total area of n shapes of three types
(defn total-area [n]
  (let [shapes (map make-shape (range n))]
    (reduce (fn [acc s] (+ acc (area s))) 0 shapes)))

;; --- sorting, persistent vectors ---------------------------------------------------------

;; sort with a comparator: n pseudo-random numbers, descending by value mod 1000, then ascending
(defn sort-bench [n]
  (let [xs (map (fn [i] (mod (* i 7919) 100003)) (range n))
        sorted (sort (fn [a b]
                       (let [ka (mod a 1000) kb (mod b 1000)]
                         (cond (> ka kb) -1
                               (< ka kb) 1
                               :else (- a b))))
                     xs)]
    (+ (* 1000 (first sorted)) (nth sorted 1))))

;; persistent vector: conj n numbers, then assoc each index to twice its value, then sum
(defn vector-bench [n]
  (let [v (loop [i 0 v []]
            (if (< i n) (recur (inc i) (conj v i)) v))
        w (loop [i 0 w v]
            (if (< i n) (recur (inc i) (assoc w i (* 2 (nth w i)))) w))]
    (reduce + 0 w)))

;; --- a JSON-like printer -------------------------------------------------------------------

(defn json [v]
  (cond (nil? v) "null"
        (= v #t) "true"
        (= v #f) "false"
        (string? v) (str "\"" v "\"")
        (keyword? v) (str "\"" (name v) "\"")
        (map? v) (str "{" (string/join "," (map (fn [k] (str (json k) ":" (json (get v k)))) (keys v))) "}")
        (vector? v) (str "[" (string/join "," (map json v)) "]")
        :else (str v)))

(defn make-doc [n]
  (vec (map (fn [i] {:id i :name (str "user" i) :active (even? i) :tags ["a" "b"] :score (* i 3)}) (range n))))

(def json-doc (make-doc 200))

;; print the same document n times; the total length
(defn json-bench [n]
  (loop [i 0 total 0]
    (if (< i n) (recur (inc i) (+ total (count (json json-doc)))) total)))

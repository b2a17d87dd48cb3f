;; Compute benchmarks, Hy peer (benchmarks/compute.py imports this after `import hy`).
;; The natural Hy way to write each task. Hy has no loop/recur in its core, so the
;; loops use `for` over a range or `while`, as a Hy programmer would.
(import functools [reduce cmp-to-key] operator dataclasses [dataclass])

;; --- recursion ---------------------------------------------------------------------

(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))

;; --- numeric loops -------------------------------------------------------------------

(defn sum-squares [n]
  (setv acc 0)
  (for [i (range n)]
    (+= acc (* i i)))
  acc)

(defn count-to [n]
  (setv acc 0)
  (for [i (range n)]
    (+= acc i))
  acc)

(defn countdown [n]
  (setv acc 0 i n)
  (while (> i 0)
    (when (>= (% i 5) 3)
      (+= acc i))
    (-= i 1))
  acc)

(defn window-count [n]
  (setv c 0)
  (for [i (range (+ n 1))]
    (setv r (% i 7))
    (when (and (<= r 2) (!= r 0))
      (+= c 1)))
  c)

(defn collatz-steps [n]
  (setv total 0)
  (for [k (range 1 (+ n 1))]
    (setv x k steps 0)
    (while (!= x 1)
      (setv x (if (= (% x 2) 0) (// x 2) (+ (* 3 x) 1)))
      (+= steps 1))
    (+= total steps))
  total)

;; --- higher-order pipelines --------------------------------------------------------------

(defn pipeline [n]
  (reduce operator.add
          (filter (fn [x] (= (% x 2) 0))
                  (map (fn [x] (* x x)) (range n)))
          0))

(defn pipeline-lambdas [n]
  (reduce (fn [acc x] (+ acc x))
          (filter (fn [x] (= (% x 3) 0))
                  (map (fn [x] (+ (* x 2) 1)) (range n)))
          0))

(defn for-each-sum [n]
  (setv total 0)
  (for [x (range n)]
    (when (= (% x 4) 0)
      (+= total x)))
  total)

;; --- strings and maps ---------------------------------------------------------------------

(defn build-string [n]
  (len (.join "," (lfor i (range n) f"item-{i}:{(* i i)}"))))

(defn word-count [text]
  (setv counts {})
  (for [w (.split text " ")]
    (setv (get counts w) (+ (.get counts w 0) 1)))
  (+ (* 1000000 (len counts)) (get counts "w7")))

;; --- structs, match, classes ------------------------------------------------------------------

(defclass [(dataclass :slots True)] Particle []
  #^ int x
  #^ int y
  #^ int vx
  #^ int vy)

(defn simulate [n]
  (setv p (Particle 0 0 3 7))
  (for [_ (range n)]
    (+= p.x p.vx)
    (+= p.y p.vy)
    (when (or (< p.x 0) (> p.x 1000))
      (setv p.vx (- p.vx)))
    (when (or (< p.y 0) (> p.y 1000))
      (setv p.vy (- p.vy))))
  (+ (* 10000 p.x) p.y))

(defclass [(dataclass :slots True)] Leaf [])

(defclass [(dataclass :slots True)] Node []
  #^ object left
  #^ int value
  #^ object right)

(defn make-tree [depth start]
  (if (= depth 0)
    (Leaf)
    (Node (make-tree (- depth 1) (* 2 start))
          start
          (make-tree (- depth 1) (+ (* 2 start) 1)))))

(defn tree-sum [t]
  (match t
    (Leaf) 0
    (Node l v r) (+ (tree-sum l) v (tree-sum r))))

(defn tree-bench [depth]
  (tree-sum (make-tree depth 1)))

(defclass Square []
  (setv __slots__ #("side"))
  (defn __init__ [self side] (setv self.side side))
  (defn area [self] (* self.side self.side)))

(defclass Rect []
  (setv __slots__ #("w" "h"))
  (defn __init__ [self w h] (setv self.w w self.h h))
  (defn area [self] (* self.w self.h)))

(defclass Tri []
  (setv __slots__ #("b" "h"))
  (defn __init__ [self b h] (setv self.b b self.h h))
  (defn area [self] (// (* self.b self.h) 2)))

(defn make-shape [i]
  (setv k (% i 3))
  (cond (= k 0) (Square i)
        (= k 1) (Rect i 2)
        True (Tri i 3)))

(defn total-area [n]
  (setv shapes (lfor i (range n) (make-shape i)))
  (sum (gfor s shapes (.area s))))

;; --- sorting, lists ------------------------------------------------------------------------------

(defn sort-bench [n]
  (setv xs (lfor i (range n) (% (* i 7919) 100003)))
  (defn cmp [a b]
    (setv ka (% a 1000) kb (% b 1000))
    (cond (> ka kb) -1
          (< ka kb) 1
          True (- a b)))
  (setv s (sorted xs :key (cmp-to-key cmp)))
  (+ (* 1000 (get s 0)) (get s 1)))

(defn vector-bench [n]
  (setv v [])
  (for [i (range n)]
    (.append v i))
  (for [i (range n)]
    (setv (get v i) (* 2 (get v i))))
  (sum v))

;; --- a JSON-like printer -------------------------------------------------------------------

(defn json [v]
  (cond (is v None) "null"
        (is v True) "true"
        (is v False) "false"
        (isinstance v str) (+ "\"" v "\"")
        (isinstance v dict) (+ "{" (.join "," (gfor [k x] (.items v) (+ (json k) ":" (json x)))) "}")
        (isinstance v list) (+ "[" (.join "," (gfor x v (json x))) "]")
        True (str v)))

(defn make-doc [n]
  (lfor i (range n) {"id" i "name" f"user{i}" "active" (= (% i 2) 0) "tags" ["a" "b"] "score" (* i 3)}))

(setv JSON-DOC (make-doc 200))

(defn json-bench [n]
  (setv total 0)
  (for [_ (range n)]
    (+= total (len (json JSON-DOC))))
  total)

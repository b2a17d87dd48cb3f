;; defmacro with quasiquote, unquote, unquote-splicing and auto-gensyms.
(def x 2)
(def xs [3 4])
(println `(1 ~x ~@xs 5))
(println `[0 ~@xs ~(+ x 10)])
(println `(:a ~@'() :b))
(println `(1 (2 ~x) ~(list 3 x)))
(println (let [s `(tmp# tmp#)] (= (first s) (nth s 1))))
(println (let [s `(tmp#)] (= (first s) 'tmp)))
(println (symbol? (first `(tmp#))))

(defmacro my-unless [c & body]
  `(if ~c nil (do ~@body)))
(println (my-unless #f (println "side") :ran) (my-unless #t :skipped))

(defmacro my-or2 [a b]
  `(let [v# ~a] (if v# v# ~b)))
(def v :global-v)
(println (let [v 5] (my-or2 #f v)) (my-or2 nil v) (my-or2 1 (println "not evaluated")))

(defmacro swap-globals! [a b]
  `(let [tmp# ~a] (set! ~a ~b) (set! ~b tmp#)))
(def left :l)
(def right :r)
(swap-globals! left right)
(println left right)

(defmacro def-adder [name n]
  `(defn ~name [y] (+ y ~n)))
(def-adder add7 7)
(println (add7 10))

;; a macro receives code unevaluated
(defmacro code-of [form] (list 'quote form))
(println (code-of (+ 1 2)) (code-of undefined-symbol))

;; a recursive macro: thread-first
(defmacro thread [v & forms]
  (if (empty? forms)
    v
    (let [f (first forms)]
      `(thread (~(first f) ~v ~@(rest f)) ~@(rest forms)))))
(println (thread 5 (+ 1) (* 2) (- 3)))

;; macros run at compile time and may compute
(defmacro const-sum [& nums] (reduce + 0 nums))
(println (const-sum 1 2 3 4))

;; a macro used inside a function defined after it
(defmacro square-it [e] `(let [t# ~e] (* t# t#)))
(defn sum-squares [a b] (+ (square-it a) (square-it b)))
(println (sum-squares 3 4))
(def calls 0)
(defn counted [] (set! calls (inc calls)) 3)
(println (square-it (counted)) calls)

;; macro expanding to another macro and to a when-like form with a body
(defmacro my-when [c & body] `(if ~c (do ~@body) nil))
(defmacro when-pos [n & body] `(my-when (> ~n 0) ~@body))
(println (when-pos 3 (println "positive") :yes) (when-pos -3 :no))

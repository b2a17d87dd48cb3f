(module audit-throw-resumed)
;; Under try-with, `(k v)` makes a `throw` expression return v, any value: the compiler must
;; not take a throw (as an operand, a tail of a function or loop) for a number or a string.
;; Each handler resumes once with its value; the arithmetic's type-error then reaches the
;; handler again (from the runtime), which returns it.
(defn resume-with [v thunk]
  (try-with thunk (fn [e k] (if (type-error? e) [:type-error] (k v)))))
;; operands
(println (resume-with #t (fn [] (+ 1 (throw :x)))) (resume-with "ab" (fn [] (* 2 (throw :x)))) (resume-with #t (fn [] (< 1 (throw :x)))))
(println (resume-with #t (fn [] (= 1 (throw :x)))) (resume-with #t (fn [] (inc (throw 1)))) (resume-with "ab" (fn [] (let [y (throw :x)] (* y 3)))))
(println (resume-with 2 (fn [] (+ 1 (throw :x)))) (resume-with 1.5 (fn [] (* 2 (throw :x)))) (resume-with 1 (fn [] (= 1 (throw :x)))))
;; a loop's value
(println (resume-with "ab" (fn [] (* 2 (loop [i 0] (if (< i 3) (recur (inc i)) (throw i)))))) (resume-with 4 (fn [] (* 2 (loop [i 0] (if (< i 3) (recur (inc i)) (throw i)))))))
;; a function's tail: its self-calls are not known numbers
(defn count-down [n] (if (= n 0) (throw :zero) (+ 1 (count-down (dec n)))))
(println (resume-with #t (fn [] (count-down 3))) (resume-with "s" (fn [] (count-down 3))) (resume-with 10 (fn [] (count-down 3))))
;; nor known strings: str displays the resumed value, string/join of a map over them too
(defn show [v] (cond (vector? v) (str "[" (string/join "," (map show v)) "]") (string? v) (str v) :else (throw v)))
(defn show1 [v] (cond (vector? v) (str "<" (show1 (first v)) ">") (string? v) (str v) :else (throw v)))
(println (try-with (fn [] (show [1 "a" [#t nil]])) (fn [e k] (k e))) (try-with (fn [] (show1 [[#t]])) (fn [e k] (k e))) (try-with (fn [] (show1 [nil])) (fn [e k] (k e))))

(module audit-self-name)
;; A top-level function's own name, read directly in its body, is the function itself (its
;; factory's local def, whose results numeric.py's self-calls know), whatever the global
;; holds later; read in a lambda inside it, it is the global. A frame resumed from a
;; continuation must call what the running function did: the function itself, not a new
;; definition of the name, whose values the compiled code would take for numbers.
(defn grab [] (cloneable-shift [k] k))
(def armed (ref #t))
;; grabs once, at n = 1, while armed
(defn grab-at-1 [n] (when (and (= n 1) @armed) (ref-set! armed #f) (grab)))

(defn direct [n] (if (= n 0) 0 (+ n (direct (- n 1)))))
(defn by-value [n] (if (= n 0) 0 (+ n (let [f by-value] (f (- n 1))))))
(defn in-lambda [n] (if (= n 0) 0 (+ n ((fn [m] (in-lambda m)) (- n 1)))))
(def olds [direct by-value in-lambda])
(println :before (map (fn [f] (f 3)) olds))

;; fib whose leaf grabs once: resumed, its frames go on calling fib itself
(defn fib [n] (if (< n 2) (do (grab-at-1 n) n) (+ (fib (- n 1)) (fib (- n 2)))))
(def k (cloneable-reset (fn [] (fib 6))))
(def blob (serialize k))
(println :fresh (k nil) ((deserialize blob) nil))
;; a string-building self-recursion, resumed
(defn show [t] (if (vector? t) (str "<" (do (grab-at-1 (count t)) "") (show (first t)) ">") (str t)))
(ref-set! armed #t)
(def ks (cloneable-reset (fn [] (show [[[5]]]))))

(defn direct [n] 100)
(defn by-value [n] 100)
(defn in-lambda [n] 100)
(println :after (map (fn [f] (f 3)) olds))
(defn fib [n] #t)
(defn show [t] #t)
;; (+ 1 #t) would be 2 to Python, and str would print True: the resumed frames must not
;; call the new fib and show
(println :resumed (try (k nil) (catch [e] e)) (try (ks nil) (catch [e] e)))
(ref-set! armed #t)
(println :resumed-again (continuation? (k nil)))
(println :deserialized (try ((deserialize blob) nil) (catch [e] (type-of e))))

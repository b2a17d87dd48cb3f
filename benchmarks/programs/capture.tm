;; Capture/resume benchmarks (benchmarks/capture.py times these in-process).
(module capture)

;; Recurse n deep, non-tail (each level waits to add 1), then capture up to the prompt.
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (+ 1 (deep (- n 1)))))

;; The same recursion without the capture: the baseline a capture is compared with.
(defn plain [n]
  (if (= n 0)
    0
    (+ 1 (plain (- n 1)))))

;; Descend n deep and capture: returns the continuation (n + 1 frames).
(defn capture-at [n]
  (cloneable-reset (fn [] (deep n))))

;; Descend n deep and return normally, under the same prompt.
(defn plain-at [n]
  (cloneable-reset (fn [] (plain n))))

;; Resume k with v: re-enters every captured frame, finishing the additions.
(defn resume-with [k v]
  (k v))

(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))

(defn fib-outside [n]
  (fib n))

(defn fib-inside [n]
  (cloneable-reset (fn [] (fib n))))

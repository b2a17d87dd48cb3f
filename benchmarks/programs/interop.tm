;; Turmeric side of benchmarks/interop.py: each loop makes n calls to a Python function.
(import-python interop_target :as pyt)
(import-python interop_target [f])

(defn module-attr [n] (loop [i 0] (when (< i n) (pyt.f i) (recur (inc i)))))
(defn imported-name [n] (loop [i 0] (when (< i n) (f i) (recur (inc i)))))
(defn keyword-arg [n] (loop [i 0] (when (< i n) (pyt.kw i :scale 2) (recur (inc i)))))
(defn method [n]
  (let [xs (pyt.Holder)]
    (loop [i 0] (when (< i n) (.f xs i) (recur (inc i))))))

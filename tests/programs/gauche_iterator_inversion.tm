;; Gauche's test/continuation.scm, "inversion of iterator": for-each turned into a
;; generator with shift/reset. The local function kk set!s its own name to the captured
;; continuation, so each call of the iterator resumes for-each where it stopped.
;;
;;   (define (inv lis)
;;     (define (kk)
;;       (reset (for-each (^e (shift k (set! kk k) e)) lis)
;;              (set! kk (^[] (eof-object)))
;;              (eof-object)))
;;     (^[] (kk)))
(defn inv [lis]
  (defn kk []
    (cloneable-reset
      (fn []
        (for-each lis (fn [e] (cloneable-shift [k] (set! kk k) e)))
        (set! kk (fn [] 'eof))
        'eof)))
  (fn [] (kk)))

(def iter (inv '(1 2 3 4 5)))
(prn (list (iter) (iter) (iter) (iter) (iter) (iter) (iter)))

;; the iterator is a closure over the binding, which holds a continuation: a serialized
;; copy continues on its own, and the original is unaffected by the copy's progress
(def it (inv '(1 2 3 4 5)))
(it)
(it)
(def copy (deserialize (serialize it)))
(prn (list (copy) (copy) (it) (copy) (copy) (copy) (it)))

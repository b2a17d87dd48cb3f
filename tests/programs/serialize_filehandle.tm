;; FileHandle is Resource-Serializable: path, mode and position survive a round trip.
(write-file "fh_in.txt" "one\ntwo\nthree\n")
(def h (open-file "fh_in.txt" "r"))
(println (read-line h))
(def h2 (deserialize (serialize h)))
(println (read-line h2))
(println (read-line h))
(println (read-line h2) (read-line h2))
(close h)
(close h2)
(println (type-of h2))

;; a writable handle: serializing flushes it; the copy reopens without truncating
(def w (open-file "fh_out.txt" "w"))
(write-line w "first")
(def blob (serialize w))
(prn (read-text "fh_out.txt"))
(close w)
(def w2 (deserialize blob))
(write-line w2 "second")
(close w2)
(prn (read-text "fh_out.txt"))

;; a handle captured in a suspended computation
(defn reader-job [path]
  (let [fh (open-file path "r")]
    (def a (read-line fh))
    (suspend)
    (def b (read-line fh))
    (close fh)
    (list a b)))
(def job (cloneable-reset (fn [] (reader-job "fh_in.txt"))))
(def job-blob (serialize job))
(println ((deserialize job-blob)))
(println ((deserialize job-blob)))
(delete-file "fh_in.txt")
(delete-file "fh_out.txt")

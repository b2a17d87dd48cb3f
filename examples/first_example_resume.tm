;; The second half of the seed guide's first example, in another process.
;;
;; Run, after `turmeric run first_example.tm` has written continuation.dat:
;;     turmeric run first_example_resume.tm    ; prints 43
;;
;; The blob names the module `first_example` and the position inside the
;; top-level form that was captured; it does not contain the code. `deserialize`
;; finds first_example.tm next to this file (the main file's folder is searched
;; first) and loads it in definitions mode: its `println`s and `write-file` do not
;; run again, only its definitions do.
(def k (deserialize (read-file "continuation.dat")))
(println (resume k 42))         ; 43

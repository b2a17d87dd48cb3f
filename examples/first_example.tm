;; The seed guide's first example: capture a continuation, serialize it, save it.
;;
;; Run (from this folder, or any folder: files are written to the current folder):
;;     turmeric run first_example.tm           ; prints 10, then 43; writes continuation.dat
;;     turmeric run first_example_resume.tm    ; another process: prints 43
;; or resume the saved continuation straight from the command line:
;;     turmeric resume continuation.dat --value 42    ; prints 43
;;
;; `saved` is the rest of the top-level form `(def result (+ 1 []))`, up to the
;; implicit prompt around the `def`'s expression: "add 1". The shift body's value
;; (10) replaces that expression, so `result` is 10.
(def saved #f)
(def result
  (+ 1 (cloneable-shift [k]
         (set! saved k)
         10)))
(println result)                ; 10: the shift body's value replaces the form
(println (resume saved 42))     ; 43: run "add 1" with 42

;; Serialize to bytes
(def bytes (serialize saved))

;; Write to disk or send over network
(write-file "continuation.dat" bytes)

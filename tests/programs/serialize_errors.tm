;; Serialization errors are thrown as structs.
(struct Secret [code : int64])
(println (try (serialize (Secret 1))
              (catch [e] (match e (not-serializable t _) -> (list :not-serializable t)))))
(println (try (serialize [1 (Secret 2)])
              (catch [e] (match e (not-serializable t path) -> (list :not-serializable t (string? path))))))
(write-file "garbage.bin" "this is not a serialized value")
(println (try (deserialize (read-file "garbage.bin"))
              (catch [e] (match e (corrupt-data r) -> :corrupt-data _ -> (list :other e)))))
(write-file "empty.bin" "")
(println (try (deserialize (read-file "empty.bin"))
              (catch [e] (match e (corrupt-data r) -> :corrupt-data _ -> (list :other e)))))
;; sign / verify
(def signed (sign (serialize [1 2 3]) "secret-key-16-bytes"))
(println (bytes? signed) (deserialize (verify signed "secret-key-16-bytes")))
(println (try (verify signed "wrong-key-16-bytes")
              (catch [e] (match e (corrupt-data r) -> (list :corrupt-data r)))))
(println (try (verify (serialize 1) "secret-key-16-bytes")
              (catch [e] (match e (corrupt-data r) -> :corrupt-data))))
;; try-with, as in the seed guide's error handling example
(println (try-with
           (fn [] (deserialize (read-file "garbage.bin")))
           (fn [e k]
             (match e
               (corrupt-data _) -> :handled-corrupt
               (schema-mismatch _ old-version) -> :schema))))
(delete-file "garbage.bin")
(delete-file "empty.bin")

;; (version "3") sets the main module's version.
(version "3")
(println (current-version))
(println (string? (current-version)))

(println 1)

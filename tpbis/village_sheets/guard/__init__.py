"""What the village template does to keep wrong input out: data validation with Indonesian
hints (`rules`), and the `Petunjuk` tab (`petunjuk`)."""

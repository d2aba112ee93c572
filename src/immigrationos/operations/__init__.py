"""Operations planning: team routes (VRPTW) and the route solver on benchmark instances."""

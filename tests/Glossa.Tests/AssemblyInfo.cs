// libtorch uses both cores per op; tests that run in parallel only fight over them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

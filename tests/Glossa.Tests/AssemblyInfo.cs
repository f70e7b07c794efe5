// libtorch uses both cores per op; tests that run in parallel only fight over them. So every test
// class shares one serial collection, except the packaging test (dotnet pack, restore, publish and
// tool install: child processes that mostly wait on the disk), whose own collection runs beside it.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly, MaxParallelThreads = 2)]

# Read paths (issue 10): getput on xa, 4096 LPIs, median Mops/s of 5 runs,
# measured with the commands in README.md ("Read paths beyond the kernel").
# Regenerate: gnuplot docs/read-paths.gp (from the repository root)
set terminal pngcairo size 1100,480 font "DejaVu Sans,10"
set output "docs/read-paths.png"
set title "getput on xa, 4096 LPIs: read side ref (try-get/put) vs rcu (no refcount write) vs percpu\nx86-64 VM, 2 CPUs; median of 5 runs"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set ylabel "throughput, all threads (million ops/s)"
set key outside right top
set grid ytics
set yrange [0:*]
$data << EOD
"hot set 1, 1 thr" 24.01 32.84 26.16
"hot set 1, 2 thr" 4.51 9.08 7.92
"hot set 16, 1 thr" 23.88 32.14 26.07
"hot set 16, 2 thr" 17.20 23.37 20.82
"uniform, 1 thr" 23.99 30.35 24.67
"uniform, 2 thr" 19.60 27.71 24.43
EOD
plot $data using 2:xtic(1) title "ref (v6.10)", '' using 3 title "rcu", '' using 4 title "percpu"

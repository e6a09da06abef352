# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Cost vs blocklist size: gnuplot -e "datafile='...'; outfile='...'" scaling.gp
set terminal svg size 720,420 font "sans,12"
set termoption noenhanced
set output outfile
set title "Added CPU cost per received packet vs blocklist size (veth, XDP frames)"
set xlabel "source prefixes in the blocklist"
set ylabel "ns per packet over nothing attached"
set logscale x
set xrange [5:200000]
set yrange [0:*]
set key top left
set grid
plot datafile using 1:3 with linespoints lw 2 title "nftables netdev ingress (interval set)", \
     datafile using 1:2 with linespoints lw 2 title "xdptag XDP + TC", \
     datafile using 1:4 with linespoints lw 2 dt 2 title "xdptag XDP alone, BPF_PROG_TEST_RUN (whole ns/packet)"

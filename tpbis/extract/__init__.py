"""The quarterly extract (laporan triwulan): its layout and the xlsx, CSV and Parquet writers."""

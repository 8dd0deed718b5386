// Entry point: registers the chart parts and mounts the dashboard.
import { createApp } from 'vue';
import './charts/echarts.js';
import './styles.css';
import App from './App.vue';

createApp(App).mount('#app');
